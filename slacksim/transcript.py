"""A channel, or a user's open modal, as readable text.

Rules kept:
- the channel's top-level messages in ``ts`` order, each headed by its author
  (``name (bot)`` for the bot), ``📌`` when pinned and ``(edited xN)`` after N edits
  (drawn with the multiplication sign), then its content rendered by ``render``,
  indented two spaces;
- reactions on a line of their own, in the order they were first added: ``:+1: 3``;
- thread replies under their parent, marked ``↳`` and indented further; a reply also
  sent to the channel (``thread_broadcast``) is marked ``(also sent to the channel)``;
  a reply that carries files lists them as ``[file: name]``;
- a deleted message is left out, unless replies hang off it (``(message deleted)``);
- ephemeral messages appear only when asked for (all users or named ones), in ``ts``
  order among the others, headed ``[only visible to <name>]``;
- a Home tab renders as ``[home]`` followed by its blocks, as a message's (buttons as
  ``[Label]``);
- a modal renders its title, blocks, errors under their block (``⚠ ...``) and its
  close button (Slack's default ``Cancel`` when the view names none) and submit button.

Text is shown as a reader sees it (``render`` with ``readable=True``: links as
``Label (url)``, mentions as ``@name``, entities decoded); ``raw=True`` shows it as sent.

Callers hold the workspace lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slacksim.mrkdwn import Names, decode_entities
from slacksim.render import message_lines
from slacksim.state import Ephemeral, Message, OpenView, Workspace

JsonDict = dict[str, Any]


def workspace_names(workspace: Workspace) -> Names:
    """User and channel names by id, for mentions; callers hold the workspace lock."""

    def lookup(ref: str) -> str | None:
        if ref in workspace.users:
            return workspace.users[ref].name
        if ref in workspace.channels:
            return workspace.channels[ref].name
        return None

    return lookup


def channel_transcript(
    workspace: Workspace,
    channel_ref: str,
    ephemerals: bool | str | Iterable[str] = False,
    *,
    raw: bool = False,
) -> str:
    names = None if raw else workspace_names(workspace)

    def lines_of(entry: Message | Ephemeral) -> list[str]:
        return message_lines(entry.text, entry.blocks, readable=not raw, names=names)

    channel = workspace.channel(channel_ref)
    stored = workspace.messages.get(channel.id, {})
    entries: list[Message | Ephemeral] = [
        m
        for m in stored.values()
        if m.thread_ts is None and (not m.deleted or workspace.replies(channel.id, m.ts))
    ]
    viewers = _viewers(workspace, ephemerals)
    entries += (
        [
            e
            for e in workspace.ephemerals
            if e.channel == channel.id and not e.deleted and (viewers is None or e.user in viewers)
        ]
        if ephemerals is not False
        else []
    )
    lines = [f"#{channel.name}"]
    for entry in sorted(entries, key=lambda e: e.ts):
        if isinstance(entry, Ephemeral):
            lines.append(
                f"[only visible to {workspace.display_name(entry.user)}] "
                f"{workspace.identity.bot_name} (bot)"
            )
            lines += _indent(lines_of(entry), "  ")
            continue
        lines += _message(workspace, entry, "", lines_of)
        for reply in workspace.replies(channel.id, entry.ts):
            lines += _message(workspace, reply, "  ↳ ", lines_of)
    return "\n".join(lines) + "\n"


def modal_transcript(view: OpenView, *, raw: bool = False, names: Names | None = None) -> str:
    spec = view.view
    title = str(spec.get("title", {}).get("text", ""))
    lines = [f"[modal] {title if raw else decode_entities(title)}"]
    for block in spec.get("blocks", []):
        lines += _indent(message_lines("", [block], readable=not raw, names=names), "  ")
        error = view.errors.get(str(block.get("block_id")))
        if error:
            lines.append(f"  ⚠ {error}")
    close = spec.get("close") or {"text": "Cancel"}
    buttons = [f"[{close['text']}]"]
    if isinstance(spec.get("submit"), dict):
        buttons.append(f"[{spec['submit']['text']}]")
    lines.append("  " + " ".join(buttons))
    return "\n".join(lines) + "\n"


def home_transcript(view: JsonDict, *, raw: bool = False, names: Names | None = None) -> str:
    """A published Home tab: ``[home]``, then its blocks as a message's are shown."""
    lines = ["[home]"]
    for block in view.get("blocks", []):
        lines += _indent(message_lines("", [block], readable=not raw, names=names), "  ")
    return "\n".join(lines) + "\n"


def _message(
    workspace: Workspace,
    message: Message,
    marker: str,
    lines_of: Callable[[Message], list[str]],
) -> list[str]:
    author = workspace.display_name(message.user) + (" (bot)" if message.is_bot else "")
    flags = (
        (" 📌" if message.pinned else "")
        + (" (also sent to the channel)" if message.reply_broadcast else "")
        + (
            f" (edited ×{message.edit_count})"  # noqa: RUF001 (the multiplication sign is meant)
            if message.edit_count
            else ""
        )
    )
    body_indent = "  " + " " * len(marker)
    if message.deleted:
        return [f"{marker}(message deleted)"]
    content = lines_of(message) if message.text or message.blocks or not message.files else []
    content += [f"[file: {f.get('name', '')}]" for f in message.files]
    lines = [f"{marker}{author}{flags}", *_indent(content, body_indent)]
    if message.reactions:
        counts = "  ".join(f":{name}: {len(users)}" for name, users in message.reactions.items())
        lines.append(f"{body_indent}{counts}")
    return lines


def _indent(lines: list[str], prefix: str) -> list[str]:
    return [f"{prefix}{line}".rstrip() for line in lines]


def _viewers(workspace: Workspace, ephemerals: bool | str | Iterable[str]) -> set[str] | None:
    if isinstance(ephemerals, bool):
        return None
    refs = [ephemerals] if isinstance(ephemerals, str) else list(ephemerals)
    return {workspace.user(ref).id for ref in refs}
