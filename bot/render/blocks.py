"""Small constructors for the Block Kit pieces every renderer uses.

Rules kept: callers pass text that is already escaped mrkdwn (see ``bot.render.text``);
these helpers only pick the right slack_sdk model, so headers, buttons and other
plain-text-only fields always get ``plain_text`` and section text is cut into pieces
Slack accepts (3,000 characters) instead of being refused or clipped.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.render.ids import ActionId, CallbackId, Ref
from bot.render.text import chunks

HEADER_CHARS: Final = 150
BUTTON_CHARS: Final = 75

Style = Literal["primary", "danger"]


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=text))


def section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=mrkdwn))


def sections(mrkdwn: str) -> list[Block]:
    """One section per 3,000-character piece of ``mrkdwn``, cut at line boundaries."""
    return [section(piece) for piece in chunks(mrkdwn)]


def context(*mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=t) for t in mrkdwn])


def divider() -> DividerBlock:
    return DividerBlock()


def button(
    label: str,
    action: ActionId,
    ref: Ref,
    style: Style | None = None,
    confirm: tuple[str, str, str] | None = None,
) -> ButtonElement:
    """A button whose value is ``ref``; ``confirm`` is (title, question, yes-label)."""
    dialog = None
    if confirm is not None:
        title, question, yes = confirm
        dialog = ConfirmObject(
            title=PlainTextObject(text=title),
            text=PlainTextObject(text=question),
            confirm=PlainTextObject(text=yes),
            deny=PlainTextObject(text="Not now"),
        )
    return ButtonElement(
        text=PlainTextObject(text=label),
        action_id=action.value,
        value=ref.dumps(),
        style=style,
        confirm=dialog,
    )


def actions(block_id: str, elements: list[InteractiveElement]) -> ActionsBlock:
    return ActionsBlock(block_id=block_id, elements=elements)


def modal(
    callback: CallbackId, title: str, submit: str, ref: Ref, blocks: list[Block]
) -> dict[str, Any]:
    """A modal carrying ``ref`` as private metadata; ``to_dict`` validates it."""
    view = View(
        type="modal",
        callback_id=callback.value,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        private_metadata=ref.dumps(),
        blocks=blocks,
    )
    built: dict[str, Any] = view.to_dict()
    return built
