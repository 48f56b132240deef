"""Many workspaces: Slack's OAuth install, isolated workshops, and the uninstall purge.

The real bot in OAuth mode behind waitress; ``SlackCloud`` plays Slack with several
workspaces, its ``oauth.v2.access`` and a browser driving the install.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

import pytest
import redis
from slack_sdk.oauth.installation_store import Installation

from bot.slack.app import NOT_INSTALLED
from bot.slack.budget import SlackBudget
from bot.slack.main import Bot, OAuthConfig
from bot.store.keys import Keys
from slacksim import RateLimits, SlackCloud, SlackSimulator
from slacksim.signing import signed_headers
from tests.e2e.conftest import PEOPLE, SECRET, Workspace
from tests.e2e.test_workshop import board_text, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "e2e-client-secret"


@dataclass
class Cloud:
    slack: SlackCloud
    bot: Bot
    redis: redis.Redis
    teams: list[str]

    def workspace(self, team_id: str) -> Workspace:
        sim = self.slack.workspace(team_id)
        channel = sim.channel("#delivery").id
        return Workspace(sim=sim, bot=self.bot, channel=channel, team_id=team_id)

    def keys_of(self, team_id: str) -> set[bytes]:
        return set(self.redis.scan_iter(match=f"*{team_id}*", count=1000))


@contextmanager
def cloud(redis_url: str, count: int, *, resweep_s: float = 40.0) -> Iterator[Cloud]:
    """``count`` workspaces with ``PEOPLE`` in ``#delivery``, none installed yet, and the
    bot in OAuth mode serving them."""
    teams = [f"T{uuid.uuid4().hex[:10].upper()}" for _ in range(count)]
    with SlackCloud(
        signing_secret=SECRET,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        rate_limits=RateLimits.disabled(),
    ) as slack:
        for team in teams:
            sim = slack.add_workspace(team)
            for user_id, (name, tz) in PEOPLE.items():
                sim.add_user(user_id, name, tz=tz)
            sim.add_channel("#delivery", members=list(PEOPLE))
        client = redis.Redis.from_url(redis_url)
        bot = Bot(
            client,
            token="",
            signing_secret=SECRET,
            api_url=slack.api_url,
            teams=frozenset(teams),
            budget=SlackBudget.unlimited(client),
            oauth=OAuthConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
            resweep_s=resweep_s,
        )
        slack.set_app_url(bot.start_http())
        try:
            yield Cloud(slack=slack, bot=bot, redis=client, teams=teams)
        finally:
            bot.stop()
            client.close()


def voting(ws: Workspace) -> bool | None:
    return "Voting" in board_text(ws) or None


def install(c: Cloud, team: str) -> None:
    page = c.slack.install(team)
    assert page.status == 200, page.body
    assert "Thank you" in page.body


def run_at_once(*jobs: tuple[Workspace, str, list[tuple[str, str]]]) -> None:
    failures: list[BaseException] = []

    def run(ws: Workspace, stage: str, stories: list[tuple[str, str]]) -> None:
        try:
            walk_to(ws, stage, stories)
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures


def test_two_workspaces_install_through_the_redirect_and_run_isolated_workshops(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with cloud(redis_url, 2) as c:
        a, b = c.teams
        install(c, a)
        install(c, b)
        installs = c.bot.installations
        assert installs is not None
        for team in (a, b):
            bot = installs.find_bot(enterprise_id=None, team_id=team)
            assert bot is not None
            assert bot.bot_token == c.slack.token_of(team)

        wa, wb = c.workspace(a), c.workspace(b)
        assert wa.channel != wb.channel
        run_at_once(
            (wa, "voting", [("T1", "Alpha only story")]),
            (wb, "voting", [("T1", "Bravo only story")]),
        )
        for ws, mine, theirs in ((wa, "Alpha", "Bravo"), (wb, "Bravo", "Alpha")):
            ws.sim.wait_for(partial(voting, ws), message="the voting board")

            def said(ws: Workspace = ws) -> str:
                return " ".join(m.text for m in ws.sim.messages(ws.channel, include_replies=True))

            # The cards follow the board at Slack's pace (about a message a second).
            def carded(ws: Workspace = ws, card: str = f"{mine} only story") -> bool | None:
                return card in said(ws) or None

            ws.sim.wait_for(carded, message="its card")
            ws.sim.settle()
            assert theirs not in said()

        # A form opens in the request, with the client Bolt authorized for its workspace.
        for ws in (wa, wb):
            board = ws.sim.bot_messages(ws.channel)[0]
            assert ws.sim.user("U_ANA").click(ws.channel, board.ts, label="Deadline").ok
            ws.sim.wait_for(partial(ws.sim.modal, "U_ANA"), message="the deadline form")
        opened = [call.token_team for call in c.slack.calls if call.method == "views.open"]
        assert sorted(str(team) for team in opened) == sorted([a, b])

        calls = c.slack.calls
        # Requests are authorized from the store: auth.test only once, at each install.
        assert sorted(str(x.token_team) for x in calls if x.method == "auth.test") == sorted([a, b])
        assert c.slack.wrong_token_calls() == []
        assert {call.token_team for call in calls} == {a, b}
        assert all(call.error is None for call in calls), [x for x in calls if x.error]
        acted = {(call.token_team, call.channel_team) for call in calls if call.channel_team}
        assert acted == {(a, a), (b, b)}
        # Each workspace's data under its own team only.
        assert c.bot.store.load(a, wa.channel) is not None
        assert c.bot.store.load(b, wb.channel) is not None
        assert c.bot.store.load(a, wb.channel) is None
        assert c.bot.store.load(b, wa.channel) is None
        assert not any(wb.channel.encode() in key for key in c.keys_of(a))
        assert not any(wa.channel.encode() in key for key in c.keys_of(b))
    # Never a token in a log line.
    for team_token in (c.slack.token_of(a), c.slack.token_of(b)):
        assert team_token not in caplog.text


def test_uninstalling_one_workspace_mid_workshop_stops_its_work_and_deletes_its_data(
    redis_url: str,
) -> None:
    with cloud(redis_url, 2, resweep_s=3.0) as c:
        a, b = c.teams
        install(c, a)
        install(c, b)
        wa, wb = c.workspace(a), c.workspace(b)
        run_at_once((wa, "tasks", []), (wb, "tasks", []))
        wa.sim.settle()
        assert c.keys_of(a)
        # A stage opening queues work in A (and a deadline job), then A leaves.
        wa.sim.user("U_ANA").slash(wa.channel, "/storymap", "next")
        delivery = c.slack.uninstall(a)
        assert delivery.ok, delivery.text
        left_at = time.time()
        assert not c.bot.installed(a)
        # What a batch under way at that moment might still write is swept again later.
        c.redis.hset(f"storymap:{{{a}:{wa.channel}}}:refs:1", "late", "1.0")

        # B carries on, to its vote.
        for user, text in [
            ("U_BEN", "add A1 View real-time map"),
            ("U_ANA", "next"),
            ("U_CHLOE", "add T1 See the truck move"),
            ("U_ANA", "next"),
        ]:
            assert wb.sim.user(user).slash(wb.channel, "/storymap", text).ok
        wb.sim.wait_for(lambda: "Voting" in board_text(wb) or None, message="B's voting board")
        # A's people get nothing done any more.
        wa.sim.user("U_BEN").slash(wa.channel, "/storymap", "add T1 Late story")
        wa.sim.settle()
        wb.sim.settle()

        after = [call for call in c.slack.calls_with_token_of(a) if call.at > left_at]
        # At most a call already under way per lane, each refused: nothing got done.
        assert len(after) <= 2
        assert all(call.error == "token_revoked" for call in after), after
        assert c.slack.wrong_token_calls() == []
        assert not c.bot.installed(a)
        c.slack.workspace(a).wait_for(
            lambda: not c.keys_of(a) or None, message="A's data deleted", timeout=10
        )
        assert c.bot.store.load(a, wa.channel) is None
        # B is whole.
        assert c.bot.installed(b)
        assert c.bot.store.load(b, wb.channel) is not None
        assert "Late story" not in " ".join(m.text for m in wa.sim.messages(wa.channel))
        # Slack retries the event: it passes the workspace gate and purges again.
        assert wa.sim.driver.app_uninstalled().ok
        assert c.bot.installed(b)


def test_a_revoked_bot_token_purges_and_a_revoked_user_token_does_not(redis_url: str) -> None:
    with cloud(redis_url, 1, resweep_s=1.0) as c:
        (team,) = c.teams
        install(c, team)
        ws = c.workspace(team)
        walk_to(ws, "persona")
        ws.sim.settle()
        assert ws.sim.driver.tokens_revoked(oauth=["U_ANA"]).ok
        assert c.bot.installed(team)
        assert c.bot.store.load(team, ws.channel) is not None

        bot_user = ws.sim.identity.bot_user_id
        assert ws.sim.driver.tokens_revoked(bot=[bot_user]).ok
        assert not c.bot.installed(team)
        assert c.bot.store.load(team, ws.channel) is None
        # A dispatcher's round under way may take the channel's lease once more; the
        # second sweep (here after 1 s) removes it.
        ws.sim.wait_for(lambda: not c.keys_of(team) or None, message="all deleted", timeout=5)


def test_a_workspace_that_did_not_install_gets_nothing_done(redis_url: str) -> None:
    with cloud(redis_url, 2) as c:
        a, stranger = c.teams
        install(c, a)
        ws = c.workspace(stranger)
        delivery = ws.sim.user("U_ANA").slash(ws.channel, "/storymap", "start Tracking")
        assert delivery.status == 200
        told = ws.sim.wait_for(
            lambda: [e for e in ws.sim.ephemerals("U_ANA") if NOT_INSTALLED in e.text] or None,
            message="the not-installed notice",
        )
        assert told
        ws.sim.settle()
        assert c.slack.calls_with_token_of(stranger) == []
        assert c.bot.store.load(stranger, ws.channel) is None
        assert c.keys_of(stranger) == set()
        assert ws.sim.bot_messages(ws.channel) == []


def test_an_invalid_code_installs_nothing(redis_url: str) -> None:
    with cloud(redis_url, 1) as c:
        (team,) = c.teams
        body = urlencode(
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": "made-up"}
        ).encode()
        with urllib.request.urlopen(c.slack.api_url + "oauth.v2.access", body) as answer:  # noqa: S310
            assert json.loads(answer.read()) == {"ok": False, "error": "invalid_code"}
        # The redirect with a code but a state never issued is refused by the app.
        page_url = f"{c.bot.url}/slack/oauth_redirect?code=made-up&state=forged"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(page_url)  # noqa: S310
        refused.value.close()
        assert refused.value.code == 400
        assert c.bot.installations is not None
        assert c.bot.installations.find_bot(enterprise_id=None, team_id=team) is None


def post_signed(url: str, body: bytes, content_type: str) -> str:
    request = urllib.request.Request(  # noqa: S310
        url, data=body, headers=signed_headers(SECRET, body, content_type)
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        return str(answer.read().decode())


def test_an_org_wide_install_serves_a_workspace_of_the_org_until_the_org_uninstalls(
    redis_url: str,
) -> None:
    with cloud(redis_url, 1, resweep_s=1.0) as c:
        (team,) = c.teams
        sim: SlackSimulator = c.slack.workspace(team)
        channel = c.workspace(team).channel
        enterprise = f"E{uuid.uuid4().hex[:10].upper()}"
        install(c, team)  # Slack issues the token; the store then holds it org-wide only
        installs = c.bot.installations
        assert installs is not None
        installs.delete_all(enterprise_id=None, team_id=team)
        installs.save(
            Installation(
                app_id="A0SIMAPP01",
                enterprise_id=enterprise,
                team_id=None,
                user_id="U_ANA",
                bot_token=c.slack.token_of(team),
                bot_id=sim.identity.bot_id,
                bot_user_id=sim.identity.bot_user_id,
                is_enterprise_install=True,
            )
        )
        assert installs.find_bot(enterprise_id=None, team_id=team) is None

        def command(text: str) -> str:
            fields = {
                "token": "unused",
                "team_id": team,
                "team_domain": "org",
                "enterprise_id": enterprise,
                "enterprise_name": "Org",
                "is_enterprise_install": "true",
                "channel_id": channel,
                "channel_name": "delivery",
                "user_id": "U_ANA",
                "user_name": "ana",
                "command": "/storymap",
                "text": text,
                "api_app_id": "A0SIMAPP01",
                "response_url": sim.issue_response_url(channel, "U_ANA"),
                "trigger_id": sim.issue_trigger("U_ANA"),
            }
            body = urlencode(fields).encode()
            return post_signed(
                f"{c.bot.url}/slack/events", body, "application/x-www-form-urlencoded"
            )

        answer = command("help")
        assert NOT_INSTALLED not in answer
        assert "/storymap" in answer  # the help
        # The workspace is now served by the org's install, for background work too.
        bot = installs.bot_for_team(team)
        assert bot is not None
        assert bot.bot_token == c.slack.token_of(team)
        assert c.bot.installed(team)
        command("start Tracking")
        board = sim.wait_for(lambda: sim.bot_messages(channel) or None, message="the board")
        assert board is not None
        assert c.slack.wrong_token_calls() == []

        # The org uninstalls: its install and the data of its workspaces go. The token is
        # left working here, so the stage still being posted must stop on its own.
        event = {
            "token": "unused",
            "team_id": team,
            "enterprise_id": enterprise,
            "api_app_id": "A0SIMAPP01",
            "event": {"type": "app_uninstalled", "event_ts": "1.0"},
            "type": "event_callback",
            "event_id": "Ev0ORGLEFT",
            "event_time": int(time.time()),
            "is_enterprise_install": True,
            "authorizations": [
                {
                    "enterprise_id": enterprise,
                    "team_id": None,
                    "user_id": sim.identity.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": True,
                }
            ],
        }
        post_signed(f"{c.bot.url}/slack/events", json.dumps(event).encode(), "application/json")
        assert installs.bot_for_team(team) is None
        assert not c.bot.installed(team)
        # What a post under way at the uninstall writes after the first purge: the second
        # sweep (after 1 s here) still knows the org's workspaces and removes it.
        c.redis.hset(Keys(team, channel).refs(1), "late", "1.0")
        sim.wait_for(lambda: not c.keys_of(team) or None, message="all deleted", timeout=5)
        assert set(c.redis.scan_iter(match=f"*{enterprise}*")) == set()
