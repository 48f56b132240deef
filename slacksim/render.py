"""Block Kit as plain text lines, the way a reader skims a Slack message.

Rules kept: headers render as ``# text``; sections as their text (one line per text line)
and their fields joined by `` | ``; a button renders as ``[Label]`` (an accessory button
at the end of its section's last line, actions side by side); selects as
``[Placeholder ▾]``, overflow menus as ``[⋯]``; context as ``> text``; dividers as
``---``; images as ``[image: alt]``; inputs as ``Label: [placeholder]``; rich text and
markdown blocks as their text; unknown blocks as ``[type]``. A message without blocks
renders its ``text``. Output is deterministic (no times, no ids).
"""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]


def message_lines(text: str, blocks: list[JsonDict]) -> list[str]:
    if not blocks:
        return text.splitlines() or [""]
    lines: list[str] = []
    for block in blocks:
        lines += block_lines(block)
    return lines


def block_lines(block: JsonDict) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [f"# {_text(block.get('text'))}"]
    if kind == "section":
        return _section(block)
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
        return _flatten(block).splitlines() or [""]
    if kind == "markdown":
        return str(block.get("text", "")).splitlines() or [""]
    return [f"[{kind}]"]


def element_label(element: JsonDict) -> str:
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


def _section(block: JsonDict) -> list[str]:
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


def _text(node: object) -> str:
    if isinstance(node, dict):
        return str(node.get("text", ""))
    return "" if node is None else str(node)


def _flatten(node: object) -> str:
    if isinstance(node, dict):
        own = node.get("text") if isinstance(node.get("text"), str) else ""
        return str(own) + "".join(_flatten(e) for e in node.get("elements", []))
    if isinstance(node, list):
        return "".join(_flatten(e) for e in node)
    return ""
