"""``Calls.upload``: Slack's three upload steps, through the budgeted call wrapper, against
the simulator (a real Web API server and a real Redis budget)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.metrics import Metrics
from bot.slack.budget import SlackBudget
from bot.slack.calls import ALT_TEXT_MAX, Calls, CannotPost, UploadFailed
from bot.slack.clients import TeamClients
from bot.store.client import RedisClient
from slacksim import UPLOAD_FAULT, SlackSimulator

pytestmark = pytest.mark.store

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


@pytest.fixture
def sim() -> Iterator[SlackSimulator]:
    with SlackSimulator() as simulator:
        simulator.add_user("U_ANA", "ana")
        simulator.add_channel("team", ["U_ANA"])
        simulator.add_channel("lobby", ["U_ANA"], bot_member=False)
        yield simulator
        assert simulator.server_errors == []


@pytest.fixture
def calls(sim: SlackSimulator, redis_client: RedisClient) -> Calls:
    client = WebClient(token=sim.identity.bot_token, base_url=sim.api_url)
    team = sim.identity.team_id
    made = Calls(TeamClients(single=client), SlackBudget(redis_client, team=team), Metrics())
    made.act_for(team)
    return made


def test_upload_shares_the_bytes_in_the_thread(calls: Calls, sim: SlackSimulator) -> None:
    channel = sim.channel("team").id
    parent = calls.post(channel, None, "the map")
    beats: list[int] = []
    calls.heartbeat = lambda: beats.append(1)
    file_id = calls.upload(
        channel,
        "storymap-tracking.png",
        PNG,
        title="Tracking: the story map",
        alt_text="A story map: Track, Plan",
        thread_ts=parent,
        initial_comment="The map as a picture.",
    )
    stored = sim.file(file_id)
    assert stored.content == PNG
    assert (stored.filename, stored.title, stored.alt_txt) == (
        "storymap-tracking.png",
        "Tracking: the story map",
        "A story map: Track, Plan",
    )
    (reply,) = sim.replies("team", parent)
    assert reply.text == "The map as a picture."
    assert [f["id"] for f in reply.files] == [file_id]
    assert [c.method for c in sim.api_log][-2:] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert len(beats) >= 3  # the dispatcher's lease is renewed before each step


def test_a_long_alt_text_is_cut_to_slacks_bound(calls: Calls, sim: SlackSimulator) -> None:
    channel = sim.channel("team").id
    file_id = calls.upload(channel, "m.png", PNG, title="m", alt_text="story " * 400)
    alt = sim.file(file_id).alt_txt
    assert alt is not None
    assert len(alt) == ALT_TEXT_MAX
    assert alt.endswith("…")


def test_a_refused_post_of_the_bytes_raises_and_shares_nothing(
    calls: Calls, sim: SlackSimulator
) -> None:
    sim.fail(UPLOAD_FAULT, status=503)
    with pytest.raises(UploadFailed, match="503"):
        calls.upload(sim.channel("team").id, "m.png", PNG, title="m", alt_text="m")
    assert sim.messages("team") == []
    assert sim.calls_to("files.completeUploadExternal") == []
    assert calls.metrics.slack_calls.labels("files.upload_url", "http_503")._value.get() == 1


def test_a_channel_the_bot_is_not_in_cannot_take_it(calls: Calls, sim: SlackSimulator) -> None:
    with pytest.raises(CannotPost) as refused:
        calls.upload(sim.channel("lobby").id, "m.png", PNG, title="m", alt_text="m")
    assert refused.value.error == "not_in_channel"
