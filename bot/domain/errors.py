"""The one error the domain raises: a refusal with a message meant for the user."""

from __future__ import annotations


class Rejected(Exception):
    """A command was refused; ``message`` says why, in the user's words, and nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NeedsConfirmation(Rejected):
    """Refused until confirmed: ``message`` says what would happen, and ``command`` is
    the same request marked as confirmed (shown to the person as a button)."""

    def __init__(self, message: str, command: object) -> None:
        super().__init__(message)
        self.command = command
