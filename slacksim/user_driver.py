"""One user's view of the driver: the same actions, without repeating who acts.

Rules kept: a ``UserDriver`` holds only a user id and delegates every action to the
``Driver``, so both spellings (``driver.slash("U_ANA", ...)`` and
``driver.user("U_ANA").slash(...)``) behave identically.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slacksim.delivery import Delivery
    from slacksim.driver import Driver


class UserDriver:
    """The driver seen from one user: ``sim.user("U_ANA").slash("#team", "/storymap", "help")``."""

    def __init__(self, driver: Driver, user_id: str) -> None:
        self._driver = driver
        self.id = user_id

    def slash(self, channel: str, command: str, text: str = "") -> Delivery:
        return self._driver.slash(self.id, channel, command, text)

    def click(
        self, channel: str | None = None, message_ts: str | None = None, *, label: str
    ) -> Delivery:
        return self._driver.click(self.id, channel, message_ts, label=label)

    def choose(self, channel: str, message_ts: str, *, option: str) -> Delivery:
        return self._driver.choose(self.id, channel, message_ts, option=option)

    def shortcut(self, channel: str, message_ts: str, callback_id: str) -> Delivery:
        return self._driver.shortcut(self.id, channel, message_ts, callback_id)

    def submit_modal(self, values: Mapping[str, object] | None = None) -> Delivery:
        return self._driver.submit_modal(self.id, values)

    def close_modal(self) -> Delivery | None:
        return self._driver.close_modal(self.id)

    def reply(self, channel: str, thread_ts: str, text: str) -> Delivery:
        return self._driver.reply(self.id, channel, thread_ts, text)

    def post(self, channel: str, text: str) -> Delivery:
        return self._driver.post(self.id, channel, text)

    def broadcast_reply(self, channel: str, thread_ts: str, text: str) -> Delivery:
        return self._driver.broadcast_reply(self.id, channel, thread_ts, text)

    def share_file(
        self, channel: str, thread_ts: str | None = None, text: str = "", *, name: str = "notes.txt"
    ) -> Delivery:
        return self._driver.share_file(self.id, channel, thread_ts, text, name=name)

    def edit_message(self, channel: str, ts: str, text: str) -> Delivery:
        return self._driver.edit_message(self.id, channel, ts, text)

    def delete_message(self, channel: str, ts: str) -> Delivery:
        return self._driver.delete_message(self.id, channel, ts)

    def react(self, channel: str, ts: str, name: str) -> Delivery:
        return self._driver.react(self.id, channel, ts, name)

    def unreact(self, channel: str, ts: str, name: str) -> Delivery:
        return self._driver.unreact(self.id, channel, ts, name)

    def open_home(self, *, tab: str = "home") -> Delivery:
        return self._driver.open_home(self.id, tab=tab)

    def click_home(self, *, label: str) -> Delivery:
        return self._driver.click_home(self.id, label=label)
