"""Forms open in the request that received the click, and deadlines are read there too.

A click that opens a form calls ``views.open`` from the process that received it right
after the ack, never through the outbox: it opens with no dispatcher running, and while
another channel's long stage opening posts cards at Slack's pace. A trigger Slack no
longer accepts, or a 429 that outlasts it, tells the clicker to click again; a 429 whose
``Retry-After`` ends within the trigger's life is retried once. A deadline (slash command
or form) is read in the facilitator's time zone and set in the request: cached zone
first, else one quick ``users.info``, else UTC, said in the reply.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
import redis
from slack_sdk import WebClient

from bot.render.ids import DEADLINE_BLOCK
from bot.service import UTC_FALLBACK
from bot.slack.forms import CLICK_AGAIN, SLACK_BUSY, USERS_INFO_TIMEOUT_S, time_zone
from bot.slack.notices import Notify
from bot.slack.performer import RESET
from bot.store.keys import Keys, tz_key
from slacksim import Message, RateLimits, SlackLimits
from tests.e2e.conftest import PEOPLE, Workspace, open_workspace
from tests.e2e.test_workshop import board_message, slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def click_on_board(ws: Workspace, user: str, label: str) -> float:
    """``user`` clicks ``label`` on the board; returns when the click was sent
    (``time.time``, the clock of ``ApiCall.at``)."""
    board = board_message(ws)
    sent = time.time()
    assert ws.sim.user(user).click(ws.channel, board.ts, label=label).ok
    return sent


def wait_for_form(ws: Workspace, user: str) -> None:
    ws.sim.wait_for(lambda: ws.sim.modal(user), timeout=5, message=f"{user}'s form")


def told(ws: Workspace, user: str, text: str) -> bool:
    return any(e.text == text for e in ws.sim.ephemerals(user, ws.channel))


def test_a_form_opens_with_no_dispatcher_running(workspace: Workspace) -> None:
    walk_to(workspace, "persona")
    board_message(workspace)
    workspace.bot.stop_dispatchers()

    clicked_at = click_on_board(workspace, "U_BEN", "Set persona")

    wait_for_form(workspace, "U_BEN")
    [opened] = workspace.sim.calls_to("views.open")
    assert opened.status == 200
    assert opened.at - clicked_at < 1.0


def test_a_click_opens_its_form_while_another_channel_opens_a_long_stage(
    workspace: Workspace,
) -> None:
    sim = workspace.sim
    busy = replace(workspace, channel=sim.add_channel("#busy", members=list(PEOPLE)).id)
    walk_to(workspace, "persona")
    board_message(workspace)
    walk_to(busy, "voting", [("T1", f"Story {n}") for n in range(1, 41)])
    prompt = sim.wait_for(
        lambda: next(
            (m for m in sim.bot_messages(busy.channel) if "Voting is open" in m.text), None
        ),
        timeout=20,
        message="the busy channel's voting prompt",
    )
    assert isinstance(prompt, Message)

    def cards() -> int:
        return len(sim.replies(busy.channel, prompt.ts))

    sim.wait_for(lambda: cards() >= 3, timeout=20, message="cards being posted")

    clicked_at = click_on_board(workspace, "U_BEN", "Set persona")

    wait_for_form(workspace, "U_BEN")
    posted_meanwhile = cards()
    [opened] = sim.calls_to("views.open")
    assert opened.status == 200
    # The other channel was still posting its 40 cards at about one a second.
    assert posted_meanwhile < 40
    assert opened.at - clicked_at < 0.5, opened.at - clicked_at


@pytest.mark.parametrize(
    "error", ["expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"]
)
def test_a_trigger_slack_refuses_tells_the_clicker_to_click_again(
    workspace: Workspace, error: str
) -> None:
    walk_to(workspace, "persona")
    workspace.sim.fail("views.open", error=error)

    click_on_board(workspace, "U_BEN", "Set persona")

    workspace.sim.wait_for(
        lambda: told(workspace, "U_BEN", CLICK_AGAIN), message="the click-again notice"
    )
    assert workspace.sim.modal("U_BEN") is None
    assert [c.response.get("error") for c in workspace.sim.calls_to("views.open")] == [error]


@pytest.fixture
def expiring(redis_url: str) -> Iterator[Workspace]:
    """A workspace whose Slack accepts a trigger for no time at all."""
    with open_workspace(redis_url, limits=SlackLimits(trigger_ttl=0.0)) as ws:
        yield ws


def test_an_expired_trigger_is_answered_never_swallowed(expiring: Workspace) -> None:
    walk_to(expiring, "persona")

    click_on_board(expiring, "U_BEN", "Set persona")

    expiring.sim.wait_for(
        lambda: told(expiring, "U_BEN", CLICK_AGAIN), message="the click-again notice"
    )
    assert expiring.sim.modal("U_BEN") is None
    [refused] = expiring.sim.calls_to("views.open")
    assert refused.response.get("error") == "expired_trigger_id"


@pytest.mark.slack_pacing
def test_a_429_within_the_triggers_life_is_retried_once(workspace: Workspace) -> None:
    walk_to(workspace, "persona")
    # One form every two seconds: a second click at once meets Retry-After: 2.
    workspace.sim.rate_limits = RateLimits.slack().with_method("views.open", 30, burst=1)
    click_on_board(workspace, "U_BEN", "Set persona")
    wait_for_form(workspace, "U_BEN")
    workspace.sim.user("U_BEN").close_modal()

    click_on_board(workspace, "U_BEN", "Set persona")

    wait_for_form(workspace, "U_BEN")
    calls = workspace.sim.calls_to("views.open")
    assert [c.status for c in calls] == [200, 429, 200]
    assert calls[2].at - calls[1].at >= 1.9
    assert not told(workspace, "U_BEN", SLACK_BUSY)


@pytest.mark.slack_pacing
def test_a_429_outlasting_the_trigger_tells_the_clicker(workspace: Workspace) -> None:
    walk_to(workspace, "persona")
    # One form a minute: the second click meets Retry-After: 60.
    workspace.sim.rate_limits = RateLimits.slack().with_method("views.open", 1, burst=1)
    click_on_board(workspace, "U_BEN", "Set persona")
    wait_for_form(workspace, "U_BEN")
    workspace.sim.user("U_BEN").close_modal()

    click_on_board(workspace, "U_BEN", "Set persona")

    workspace.sim.wait_for(
        lambda: told(workspace, "U_BEN", SLACK_BUSY), message="the Slack-is-busy notice"
    )
    assert [c.status for c in workspace.sim.calls_to("views.open")] == [200, 429]
    assert workspace.sim.modal("U_BEN") is None


def ana_info_calls(ws: Workspace) -> int:
    return sum(1 for c in ws.sim.calls_to("users.info") if c.args.get("user") == "U_ANA")


def deadline_of(ws: Workspace) -> datetime:
    workshop = ws.bot.store.load(ws.team_id, ws.channel)
    assert workshop is not None
    assert workshop.deadline is not None
    return workshop.deadline.at.astimezone(UTC)


def test_a_deadline_uses_the_cached_zone_without_asking_slack(
    workspace: Workspace,
) -> None:
    # The zone JobRunner.tz would have cached: Kolkata, not ana's Los Angeles profile.
    workspace.bot.redis.set(tz_key(workspace.team_id, "U_ANA"), "Asia/Kolkata", ex=600)
    walk_to(workspace, "persona")

    shown = slash(workspace, "U_ANA", "deadline tomorrow 17:00")

    assert shown.startswith("Deadline set for Persona"), shown
    at = deadline_of(workspace)
    assert (at.hour, at.minute) == (11, 30)  # 17:00 in Kolkata (UTC+5:30)
    assert f"<!date^{int(at.timestamp())}^" in shown
    assert ana_info_calls(workspace) == 0


def test_a_deadline_asks_slack_once_then_uses_the_cache(workspace: Workspace) -> None:
    walk_to(workspace, "persona")
    workspace.sim.settle(quiet=0.5)  # the start's own jobs are scheduled
    before = ana_info_calls(workspace)  # the digest may have read ana's zone already

    slash(workspace, "U_ANA", "deadline tomorrow 17:00")
    slash(workspace, "U_ANA", "deadline tomorrow 16:00")

    assert ana_info_calls(workspace) <= max(before, 1)
    at = deadline_of(workspace)
    assert (at.hour, at.minute) == (0, 0)  # 16:00 in Los Angeles (UTC-8)


def test_a_deadline_is_read_as_utc_when_slack_cannot_say_the_zone(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "persona")
    workspace.sim.settle(quiet=0.5)
    workspace.bot.redis.delete(tz_key(workspace.team_id, "U_ANA"))
    workspace.sim.fail("users.info", status=500)

    shown = slash(workspace, "U_ANA", "deadline tomorrow 17:00")

    assert shown.startswith("Deadline set for Persona"), shown
    assert shown.endswith(UTC_FALLBACK)
    at = deadline_of(workspace)
    assert (at.hour, at.minute) == (17, 0)
    # Nothing was cached: the next deadline asks again, and reads Los Angeles.
    again = slash(workspace, "U_ANA", "deadline tomorrow 17:00")
    assert UTC_FALLBACK not in again
    at = deadline_of(workspace)
    assert (at.hour, at.minute) == (1, 0)


def test_the_deadline_form_is_read_and_set_in_the_request(workspace: Workspace) -> None:
    sim = workspace.sim
    walk_to(workspace, "persona")
    board_message(workspace)
    # Nothing goes through the outbox between the submission and the saved deadline.
    workspace.bot.stop_dispatchers()
    click_on_board(workspace, "U_ANA", "Deadline")
    wait_for_form(workspace, "U_ANA")

    unreadable = sim.user("U_ANA").submit_modal({DEADLINE_BLOCK: "whenever suits"})

    assert unreadable.ok
    modal = sim.modal("U_ANA")
    assert modal is not None
    assert "whenever suits" in modal.errors[DEADLINE_BLOCK]
    workshop = workspace.bot.store.load(workspace.team_id, workspace.channel)
    assert workshop is not None
    assert workshop.deadline is None

    assert sim.user("U_ANA").submit_modal({DEADLINE_BLOCK: "tomorrow 17:00"}).ok

    assert sim.modal("U_ANA") is None
    at = deadline_of(workspace)
    assert (at.hour, at.minute) == (1, 0)  # 17:00 in Los Angeles


def test_the_deadline_form_refuses_someone_not_facilitating(workspace: Workspace) -> None:
    walk_to(workspace, "persona")
    click_on_board(workspace, "U_BEN", "Deadline")
    wait_for_form(workspace, "U_BEN")

    assert workspace.sim.user("U_BEN").submit_modal({DEADLINE_BLOCK: "tomorrow 17:00"}).ok

    modal = workspace.sim.modal("U_BEN")
    assert modal is not None
    assert modal.errors == {DEADLINE_BLOCK: "Only <@U_ANA> (facilitator) can set deadlines."}
    workshop = workspace.bot.store.load(workspace.team_id, workspace.channel)
    assert workshop is not None
    assert workshop.deadline is None
    # Refused before the zone is read: Slack is not asked about ben.
    assert not [c for c in workspace.sim.calls_to("users.info") if c.args.get("user") == "U_BEN"]


class _Slow(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        time.sleep(USERS_INFO_TIMEOUT_S + 1.5)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_slow_users_info_gives_up_within_its_timeout(redis_url: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    Thread(target=server.serve_forever, daemon=True).start()
    client = redis.Redis.from_url(redis_url)
    team = f"T{uuid.uuid4().hex[:10].upper()}"
    try:
        slack = WebClient(token="xoxb-x", base_url=f"http://127.0.0.1:{server.server_port}/")
        began = time.monotonic()
        assert time_zone(client, slack, team, "U_ANA") is None
        assert time.monotonic() - began < USERS_INFO_TIMEOUT_S + 0.5
        assert client.get(tz_key(team, "U_ANA")) is None
    finally:
        server.shutdown()
        server.server_close()
        client.close()


def test_forms_and_deadlines_queued_by_an_earlier_version_do_not_stop_the_lane(
    workspace: Workspace,
) -> None:
    walk_to(workspace, "persona")
    board_message(workspace)
    keys = Keys(workspace.team_id, workspace.channel)
    earlier = [
        {"kind": "open_modal", "trigger_id": "1.2.abc", "view": {"type": "modal"}},
        {"kind": "resolve_deadline", "user": "U_ANA", "text": "tomorrow 17:00", "auto": False},
    ]
    workspace.bot.redis.xadd(keys.urgent, {"number": 1, "effects": json.dumps(earlier)})
    workspace.bot.store.enqueue(
        workspace.team_id, workspace.channel, 1, [Notify(user="U_BEN", text="Still here.")]
    )

    workspace.sim.wait_for(lambda: told(workspace, "U_BEN", "Still here."), message="the notice")
    workspace.sim.wait_for(lambda: told(workspace, "U_ANA", RESET), message="the deadline reset")
    assert workspace.sim.calls_to("views.open") == []
