"""``GET /metrics`` scraped from a running bot: the counters move by what was done."""

from __future__ import annotations

import urllib.request
from collections import Counter
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Workspace
from tests.e2e.test_edge import slash_form
from tests.e2e.test_outbox_faults import publish
from tests.e2e.test_workshop import ephemeral_texts, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(ws: Workspace) -> tuple[Samples, set[str]]:
    """Every sample of ``/metrics`` by (name, sorted labels), and the families' names."""
    with urllib.request.urlopen(f"{ws.bot.url}/metrics", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    samples: Samples = {}
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, names


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def unsigned_request(ws: Workspace) -> int:
    parts = urlsplit(ws.bot.url)
    connection = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    body = slash_form(ws, "status")
    try:
        connection.request(
            "POST",
            "/slack/events",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_requests_votes_refusals_and_web_api_calls_are_counted(workspace: Workspace) -> None:
    sim = workspace.sim
    before, _ = scrape(workspace)
    walk_to(workspace, "voting", [("T1", "See the truck move")])
    voting = sim.wait_for(
        lambda: next(
            (m for m in sim.bot_messages(workspace.channel) if "Voting is open" in m.text), None
        ),
        timeout=20,
    )
    assert voting is not None
    cards = sim.wait_for(lambda: sim.replies(workspace.channel, voting.ts) or None, timeout=20)
    assert cards is not None
    assert sim.user("U_DEV").react(workspace.channel, cards[0].ts, "+1").ok
    assert unsigned_request(workspace) == 401
    sim.settle(quiet=2.5)
    after, names = scrape(workspace)

    sent = Counter(d.kind for d in sim.driver.deliveries)
    assert sent["slash_command"] == 9  # the walk to voting: 7 steps, 1 story, "next"
    assert sent["event_callback"] >= 1  # the vote, and what Slack tells of the bot's posts
    for kind, delivered in (("command", "slash_command"), ("event", "event_callback")):
        counted = value(after, "storymap_requests_total", kind=kind, outcome="ok") - value(
            before, "storymap_requests_total", kind=kind, outcome="ok"
        )
        assert counted == sent[delivered], kind
        timed = value(after, "storymap_ack_seconds_count", kind=kind)
        assert timed == sent[delivered], kind
        assert value(after, "storymap_ack_seconds_bucket", kind=kind, le="3.0") == timed
        assert 0 < value(after, "storymap_ack_seconds_sum", kind=kind) < 3 * timed
    assert value(after, "storymap_requests_total", kind="other", outcome="refused_signature") == 1
    assert value(after, "storymap_requests_total", kind="command", outcome="error") == 0

    # Every Web API call the simulator received from the performer, by method.
    calls: Counter[str] = Counter()
    for (name, labels), count in after.items():
        if name == "storymap_slack_calls_total":
            calls[dict(labels)["method"]] += int(count)
    received = {m: n for m, n in sim.calls.items() if m != "auth.test"}
    assert calls == Counter(received)
    assert calls["chat.postMessage"] >= 3  # board, voting prompt, card

    assert value(after, "storymap_store_scrape_ok") == 1
    assert {
        "storymap_active_workshops",
        "storymap_outbox_depth",
        "storymap_outbox_oldest_age_seconds",
        "storymap_channels_known",
        "storymap_channels_sampled",
        "storymap_dead_letters",
        "storymap_slack_rate_limited",
    } <= names


@pytest.mark.parametrize("workspace", [{"unlimited": True}], indirect=True)
def test_parked_entries_and_429s_are_counted(workspace: Workspace) -> None:
    sim = workspace.sim
    sim.fail("pins.add", error="internal_error", times=50)
    sim.fail("chat.postMessage", status=429, times=1)
    publish(workspace)
    told = sim.wait_for(
        lambda: [t for t in ephemeral_texts(sim, "U_ANA") if "pin the final map" in t] or None,
        timeout=40,
        message="the facilitator told",
    )
    assert told is not None
    sim.settle(quiet=2.5)
    samples, _ = scrape(workspace)
    assert value(samples, "storymap_dead_letters_total", lane="outbox") == 1
    assert value(samples, "storymap_dead_letters_total", lane="urgent") == 0
    pins = value(samples, "storymap_slack_calls_total", method="pins.add", error="internal_error")
    assert pins == len(sim.calls_to("pins.add")) == 5
    assert value(samples, "storymap_slack_rate_limited_total", method="chat.postMessage") == 1
    refused = value(
        samples, "storymap_slack_calls_total", method="chat.postMessage", error="http_429"
    )
    assert refused == 1
