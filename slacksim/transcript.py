"""A channel, or a user's open modal, as readable text.

Rules kept:
- the channel's top-level messages in ``ts`` order, each headed by its author
  (``name (bot)`` for the bot), ``📌`` when pinned and ``(edited xN)`` after N edits
  (drawn with the multiplication sign), then its content rendered by ``render``,
  indented two spaces;
- reactions on a line of their own, in the order they were first added: ``:+1: 3``;
- thread replies under their parent, marked ``↳`` and indented further;
- a deleted message is left out, unless replies hang off it (``(message deleted)``);
- ephemeral messages appear only when asked for (all users or named ones), in ``ts``
  order among the others, headed ``[only visible to <name>]``;
- a modal renders its title, blocks, errors under their block (``⚠ ...``) and its
  close button (Slack's default ``Cancel`` when the view names none) and submit button.

Callers hold the workspace lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from slacksim.render import message_lines
from slacksim.state import Ephemeral, Message, OpenView, Workspace


def channel_transcript(
    workspace: Workspace, channel_ref: str, ephemerals: bool | str | Iterable[str] = False
) -> str:
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
            lines += _indent(message_lines(entry.text, entry.blocks), "  ")
            continue
        lines += _message(workspace, entry, "")
        for reply in workspace.replies(channel.id, entry.ts):
            lines += _message(workspace, reply, "  ↳ ")
    return "\n".join(lines) + "\n"


def modal_transcript(view: OpenView) -> str:
    spec = view.view
    lines = [f"[modal] {spec.get('title', {}).get('text', '')}"]
    for block in spec.get("blocks", []):
        lines += _indent(message_lines("", [block]), "  ")
        error = view.errors.get(str(block.get("block_id")))
        if error:
            lines.append(f"  ⚠ {error}")
    close = spec.get("close") or {"text": "Cancel"}
    buttons = [f"[{close['text']}]"]
    if isinstance(spec.get("submit"), dict):
        buttons.append(f"[{spec['submit']['text']}]")
    lines.append("  " + " ".join(buttons))
    return "\n".join(lines) + "\n"


def _message(workspace: Workspace, message: Message, marker: str) -> list[str]:
    author = workspace.display_name(message.user) + (" (bot)" if message.is_bot else "")
    flags = (" 📌" if message.pinned else "") + (
        f" (edited ×{message.edit_count})"  # noqa: RUF001 (the multiplication sign is meant)
        if message.edit_count
        else ""
    )
    body_indent = "  " + " " * len(marker)
    if message.deleted:
        return [f"{marker}(message deleted)"]
    content = message_lines(message.text, message.blocks)
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
