"""Block Kit as plain text lines, the way a reader skims a Slack message.

Rules kept: headers render as ``# text``; sections as their text (one line per text line)
and their fields joined by `` | ``; a button renders as ``[Label]`` (an accessory button
at the end of its section's last line, actions side by side); selects as
``[Placeholder ▾]``, overflow menus as ``[⋯]``; context as ``> text``; dividers as
``---``; images as ``[image: alt]``; inputs as ``Label: [placeholder]``; rich text and
markdown blocks as their text; unknown blocks as ``[type]``. A message without blocks
renders its ``text``. Output is deterministic (no times, no ids).

Raw by default: text is shown as sent. With ``readable=True`` text is shown as a reader
sees it (``mrkdwn``): mrkdwn tokens become ``Label (url)``, ``@name``, ``#name``,
``@here``, dates; entities are decoded; plain_text keeps ``<...>`` as written. ``names``
turns user and channel ids into names.
"""

from __future__ import annotations

from typing import Any

from slacksim.mrkdwn import Names, read_mrkdwn, text_object

JsonDict = dict[str, Any]


def message_lines(
    text: str, blocks: list[JsonDict], *, readable: bool = False, names: Names | None = None
) -> list[str]:
    if not blocks:
        shown = read_mrkdwn(text, names).text if readable else text
        return shown.splitlines() or [""]
    lines: list[str] = []
    for block in blocks:
        lines += block_lines(block, readable=readable, names=names)
    return lines


def block_lines(
    block: JsonDict, *, readable: bool = False, names: Names | None = None
) -> list[str]:
    def _text(node: object) -> str:
        return _shown(node, readable, names)

    def element_label(element: JsonDict) -> str:
        return _element_label(element, readable, names)

    kind = block.get("type")
    if kind == "header":
        return [f"# {_text(block.get('text'))}"]
    if kind == "section":
        return _section(block, readable, names)
    if kind == "context":
        parts = [
            _text(e) if e.get("type") != "image" else f"[image: {e.get('alt_text', '')}]"
            for e in block.get("elements", [])
        ]
        return [f"> {'  '.join(parts)}"]
    if kind == "actions":
        return [" ".join(element_label(e) for e in block.get("elements", []))]
    if kind == "divider":
        return ["---"]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "input":
        element = block.get("element", {})
        return [f"{_text(block.get('label'))}: {element_label(element)}"]
    if kind == "rich_text":
        return _flatten(block, readable, names).splitlines() or [""]
    if kind == "markdown":
        markdown = str(block.get("text", ""))
        shown = read_mrkdwn(markdown, names).text if readable else markdown
        return shown.splitlines() or [""]
    return [f"[{kind}]"]


def element_label(element: JsonDict) -> str:
    return _element_label(element, False, None)


def _element_label(element: JsonDict, readable: bool, names: Names | None) -> str:
    def _text(node: object) -> str:
        return _shown(node, readable, names)

    kind = str(element.get("type", ""))
    if kind == "button":
        return f"[{_text(element.get('text'))}]"
    if kind == "overflow":
        return "[⋯]"
    if "select" in kind:
        return f"[{_text(element.get('placeholder')) or 'Select'} ▾]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    placeholder = _text(element.get("placeholder"))
    return f"[{placeholder or kind}]"


def _section(block: JsonDict, readable: bool, names: Names | None) -> list[str]:
    def _text(node: object) -> str:
        return _shown(node, readable, names)

    def element_label(element: JsonDict) -> str:
        return _element_label(element, readable, names)

    lines = _text(block.get("text")).splitlines() if block.get("text") else []
    fields = [_text(f) for f in block.get("fields", [])]
    if fields:
        lines.append(" | ".join(fields))
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        label = element_label(accessory)
        if lines:
            lines[-1] = f"{lines[-1]} {label}"
        else:
            lines.append(label)
    return lines or [""]


def _shown(node: object, readable: bool, names: Names | None) -> str:
    if readable:
        return text_object(node, names).text
    if isinstance(node, dict):
        return str(node.get("text", ""))
    return "" if node is None else str(node)


def _flatten(node: object, readable: bool = False, names: Names | None = None) -> str:
    if isinstance(node, dict):
        own = node.get("text") if isinstance(node.get("text"), str) else ""
        if readable and not own:
            own = _rich_element(node, names)
        inner = "".join(_flatten(e, readable, names) for e in node.get("elements", []))
        return str(own) + inner
    if isinstance(node, list):
        return "".join(_flatten(e, readable, names) for e in node)
    return ""


def _rich_element(node: JsonDict, names: Names | None) -> str:
    """A rich_text element without text of its own, as the reader sees it."""
    kind = node.get("type")
    ref = {"user": "user_id", "channel": "channel_id", "usergroup": "usergroup_id"}.get(str(kind))
    if ref is not None:
        target = str(node.get(ref, ""))
        name = (names(target) if names else None) or target
        return ("#" if kind == "channel" else "@") + name
    if kind == "broadcast":
        return f"@{node.get('range', '')}"
    if kind == "emoji":
        return f":{node.get('name', '')}:"
    if kind == "link":
        return str(node.get("url", ""))
    return ""
