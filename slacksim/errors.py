"""Errors the simulator raises at the test that drives it (never at the bot).

Rules kept: a :class:`SimulatorError` means the test asked for something a real user
could not do (click a button that is not there, react twice, reply in a channel they
are not in); it is never turned into a Slack answer. Slack-visible failures (timeouts,
refused acks) are recorded on the ``Delivery`` instead.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """The test asked the simulator for something impossible."""


class BotUnreachable(SimulatorError):
    """Nothing answers at the bot's endpoint (connection refused or reset)."""


class ModalInputError(SimulatorError):
    """The Slack client would not send this submission (e.g. a required field is empty)."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


class WaitTimeout(AssertionError):
    """A ``wait_for``/``settle`` condition did not hold in time."""
