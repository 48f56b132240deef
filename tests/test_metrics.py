"""The request labels and the per-bot registry of ``bot.metrics``."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics, bolt_outcome, refusal_outcome, request_kind


def test_kinds_and_outcomes() -> None:
    assert request_kind({"command": "/storymap", "text": "start"}) == "command"
    assert request_kind({"type": "block_actions"}) == "block_actions"
    assert request_kind({"type": "view_submission"}) == "view_submission"
    assert request_kind({"type": "event_callback", "event": {}}) == "event"
    assert request_kind({"type": "view_closed"}) == "other"
    assert request_kind({"type": "url_verification"}) == "other"
    assert [refusal_outcome(s) for s in (411, 413, 401, 400)] == [
        "refused_size",
        "refused_size",
        "refused_signature",
        "refused_shape",
    ]
    assert [bolt_outcome(s) for s in (200, 302, 404, 500, 401)] == [
        "ok",
        "ok",
        "unhandled",
        "error",
        "error",
    ]


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(metrics.exposition().decode())
        for s in f.samples
    }


def test_two_bots_in_one_process_count_apart() -> None:
    one, two = Metrics(), Metrics()
    one.request("command", "ok", 0.004)
    one.slack_call("chat.update", "http_429")
    one.slack_call("chat.update", "Weird Error! " * 10)
    one.parked("urgent")
    first, second = samples(one), samples(two)
    assert first[("storymap_requests_total", (("kind", "command"), ("outcome", "ok")))] == 1
    assert second[("storymap_requests_total", (("kind", "command"), ("outcome", "ok")))] == 0
    assert first[("storymap_ack_seconds_bucket", (("kind", "command"), ("le", "0.005")))] == 1
    assert first[("storymap_ack_seconds_bucket", (("kind", "command"), ("le", "0.0025")))] == 0
    assert first[("storymap_slack_rate_limited_total", (("method", "chat.update"),))] == 1
    assert first[("storymap_dead_letters_total", (("lane", "urgent"),))] == 1
    errors = {dict(k[1]).get("error") for k in first if k[0] == "storymap_slack_calls_total"}
    assert errors == {"http_429", "weird_error__weird_error__weird_error__w"}
    assert ("storymap_dead_letters_total", (("lane", "urgent"),)) not in second
