"""Waiting for an asynchronous bot: wait_for and settle."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk import WebClient

from slacksim import SlackSimulator, WaitTimeout


def test_wait_for_returns_the_first_truthy_value(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    later = threading.Timer(0.1, lambda: client.chat_postMessage(channel=team, text="board"))
    later.start()
    try:
        found = sim.wait_for(lambda: sim.bot_messages("team"), timeout=5)
    finally:
        later.join()
    assert [m.text for m in found] == ["board"]


def test_wait_for_times_out_as_a_failed_assertion(sim: SlackSimulator) -> None:
    with pytest.raises(WaitTimeout, match="no board"):
        sim.wait_for(lambda: sim.bot_messages("team"), timeout=0.1, message="no board")
    assert issubclass(WaitTimeout, AssertionError)


def test_settle_waits_until_the_bot_is_quiet(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    def bot_working() -> None:
        for n in range(4):
            client.chat_postMessage(channel=team, text=f"{n}")
            time.sleep(0.03)

    worker = threading.Thread(target=bot_working)
    worker.start()
    time.sleep(0.02)
    sim.settle(quiet=0.6, timeout=5)
    worker.join()
    assert len(sim.bot_messages("team")) == 4


def test_settle_gives_up_when_calls_never_stop(
    sim: SlackSimulator, client: WebClient, team: str
) -> None:
    stop = threading.Event()

    def chatty() -> None:
        while not stop.is_set():
            client.auth_test()
            time.sleep(0.01)

    worker = threading.Thread(target=chatty)
    worker.start()
    try:
        with pytest.raises(WaitTimeout):
            sim.settle(quiet=0.5, timeout=1.0)
    finally:
        stop.set()
        worker.join()
