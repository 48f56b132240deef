"""The map's picture, end to end: publishing uploads a PNG with Slack's three-step flow in
the thread of the pinned map; a failed upload is tried again and never holds up or undoes
the pinned text map. The real bot behind its HTTP server, the simulator as Slack."""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.domain.effects import PostPicture
from bot.domain.model import Workshop
from bot.render.picture import alt_text, render_map
from bot.slack.refs import PICTURE, Refs
from bot.store.keys import Keys
from bot.store.outbox import listing
from bot.store.workshops import effects_json
from slacksim import UPLOAD_FAULT, Message, SlackSimulator, UploadedFile
from tests.e2e.conftest import Workspace
from tests.e2e.test_outbox_faults import dead, publish
from tests.e2e.test_workshop import ephemeral_texts, slash

pytestmark = [pytest.mark.store, pytest.mark.slow]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pictures(sim: SlackSimulator, channel: str, thread: str) -> list[Message]:
    return [m for m in sim.replies(channel, thread) if m.files]


def wait_for_pictures(ws: Workspace, thread: str, count: int = 1) -> list[UploadedFile]:
    found = ws.sim.wait_for(
        lambda: p if len(p := pictures(ws.sim, ws.channel, thread)) >= count else None,
        timeout=40,
        message=f"{count} picture(s) in the map's thread",
    )
    assert found is not None
    return [ws.sim.file(m.files[0]["id"]) for m in found]


def published(ws: Workspace) -> Workshop:
    w = ws.bot.service.store.latest(ws.team_id, ws.channel)
    assert w is not None
    return w


def method_order(sim: SlackSimulator) -> list[str]:
    wanted = {"pins.add", "files.getUploadURLExternal", "files.completeUploadExternal"}
    return [call.method for call in sim.api_log if call.method in wanted]


def test_publishing_posts_the_maps_picture_in_the_pinned_maps_thread(
    workspace: Workspace,
) -> None:
    """The seed's whole workshop is run in tests/e2e/test_workshop.py (which also finds
    its picture); a small one is enough here to check the upload itself."""
    sim, channel = workspace.sim, workspace.channel
    publish(workspace)
    pinned = sim.wait_for(lambda: sim.pinned(channel) or None, timeout=30, message="the pin")
    assert pinned is not None
    pinned_ts = pinned[0].ts
    (picture,) = wait_for_pictures(workspace, pinned_ts)
    w = published(workspace)
    assert picture.content is not None
    assert picture.content.startswith(PNG_SIGNATURE)
    assert len(picture.content) == picture.length
    assert picture.content == render_map(w)  # the map as published, byte for byte
    assert picture.filename == "storymap-tracking.png"
    assert picture.title == "Tracking: the story map"
    assert picture.alt_txt == alt_text(w)  # the map in words, within Slack's bound
    assert "Track delivery" in picture.alt_txt
    assert (picture.channel, picture.thread_ts) == (channel, pinned_ts)
    # The three steps, after the pin; the file is in the thread, not in the channel.
    assert method_order(sim) == [
        "pins.add",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert picture.message_ts is not None
    assert all(not m.files for m in sim.messages(channel))
    refs = Refs(workspace.bot.redis, workspace.team_id, channel, w.number)
    assert refs.get(f"{PICTURE}{w.version}") == picture.id
    assert [m.ts for m in sim.pinned(channel)] == [pinned_ts]


def test_a_failed_upload_is_tried_again_and_the_map_stays_pinned(workspace: Workspace) -> None:
    sim, channel = workspace.sim, workspace.channel
    sim.fail(UPLOAD_FAULT, status=503)  # the bytes are refused once...
    sim.fail("files.completeUploadExternal", error="internal_error")  # ...then the share
    publish(workspace)
    pinned = sim.wait_for(lambda: sim.pinned(channel) or None, timeout=30, message="the pin")
    assert pinned is not None
    (first,) = pinned
    (picture,) = wait_for_pictures(workspace, first.ts)
    assert picture.content is not None
    assert picture.content.startswith(PNG_SIGNATURE)
    assert sim.faults.answered == {UPLOAD_FAULT: 1, "files.completeUploadExternal": 1}
    sim.settle(quiet=2.5)  # longer than the retry backoff: a fourth attempt would show
    # Three attempts, one picture; the map was posted and pinned once, before any upload.
    assert len(sim.calls_to("files.getUploadURLExternal")) == 3
    assert len(sim.files(channel)) == 1
    assert len(pictures(sim, channel, first.ts)) == 1
    assert method_order(sim)[0] == "pins.add"
    assert len(sim.calls_to("pins.add")) == 1
    assert [m.ts for m in sim.pinned(channel)] == [first.ts]
    assert [m.text for m in sim.bot_messages(channel)].count(first.text) == 1
    assert dead(workspace) == []
    # The same effect queued again (a replayed entry) finds the picture recorded.
    w = published(workspace)
    keys = Keys(workspace.team_id, channel)
    workspace.bot.redis.xadd(
        keys.outbox, {"number": w.number, "effects": effects_json([PostPicture()])}
    )
    workspace.bot.ready.now(workspace.team_id, channel, ["outbox"])
    sim.wait_for(
        lambda: listing(workspace.bot.redis, workspace.team_id, channel) == [],
        timeout=20,
        message="the replayed entry done",
    )
    assert len(sim.calls_to("files.getUploadURLExternal")) == 3
    assert len(sim.files(channel)) == 1


def test_an_upload_that_never_works_is_parked_and_the_map_stays_pinned(
    workspace: Workspace,
) -> None:
    sim, channel = workspace.sim, workspace.channel
    sim.fail("files.completeUploadExternal", error="internal_error", times=50)
    publish(workspace)
    told = sim.wait_for(
        lambda: [t for t in ephemeral_texts(sim, "U_ANA") if "picture of the map" in t] or None,
        timeout=40,
        message="the facilitator told",
    )
    assert told is not None
    assert len(told) == 1
    assert "post the picture of the map in its thread" in told[0]
    assert "pin the final map" not in told[0]  # that part was done
    pinned = sim.pinned(channel)
    assert len(pinned) == 1
    assert sim.files(channel) == []
    assert len(sim.calls_to("files.completeUploadExternal")) == 5
    assert len(sim.calls_to("pins.add")) == 1


def test_a_map_published_again_gets_a_new_picture_in_the_same_thread(
    workspace: Workspace,
) -> None:
    sim, channel = workspace.sim, workspace.channel
    publish(workspace)
    pinned = sim.wait_for(lambda: sim.pinned(channel) or None, timeout=30, message="the pin")
    assert pinned is not None
    (first,) = pinned
    (before,) = wait_for_pictures(workspace, first.ts)

    reply = workspace.bot.service.handle(workspace.team_id, channel, "U_ANA", c.Reopen())
    assert reply.ok, reply.text
    renamed = c.Rename(item_id="S2", text="Zoom in on one truck")
    assert workspace.bot.service.handle(workspace.team_id, channel, "U_ANA", renamed).ok
    assert slash(workspace, "U_ANA", "publish").startswith("Published again")
    old, new = wait_for_pictures(workspace, first.ts, count=2)
    assert old.id == before.id
    assert new.id != old.id
    assert new.content is not None
    assert new.content == render_map(published(workspace))
    assert new.content != old.content  # the renamed story shows
    sim.settle(quiet=1.5)
    assert len(pictures(sim, channel, first.ts)) == 2
    assert [m.ts for m in sim.pinned(channel)] == [first.ts]
