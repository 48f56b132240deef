"""The per-workspace client cache never keeps a client looked up across an uninstall."""

from __future__ import annotations

import threading
from typing import Any

from slack_sdk.oauth.installation_store import Bot

from bot.slack.clients import TeamClients


class SlowInstallations:
    """An installation store whose lookup is held until the test lets it answer."""

    def __init__(self) -> None:
        self.installed = True
        self.looking = threading.Event()
        self.answer = threading.Event()

    def bot_for_team(self, team_id: str) -> Bot | None:
        found = self.installed
        self.looking.set()
        self.answer.wait(5)
        return (
            Bot(bot_token="xoxb-1", bot_id="B1", bot_user_id="U1", installed_at=0.0)
            if found
            else None
        )


def test_a_lookup_that_overlapped_an_uninstall_is_not_cached() -> None:
    store = SlowInstallations()
    clients = TeamClients(installations=store, api_url="http://127.0.0.1:9/api/")  # type: ignore[arg-type]
    got: list[Any] = []
    lookup = threading.Thread(target=lambda: got.append(clients.get("T1")))
    lookup.start()
    assert store.looking.wait(5)
    # The workspace leaves while the lookup (which read it as installed) is under way.
    store.installed = False
    clients.invalidate("T1")
    store.answer.set()
    lookup.join(5)
    assert len(got) == 1
    assert got[0] is not None  # that one call saw it installed...
    store.looking.clear()
    assert clients.get("T1") is None  # ...but the next one looks again
