"""Slack's message markup in incoming text, turned back into what the person typed.

A thread reply arrives as Slack formats messages: links, mentions and channels as
``<...>`` tokens and ``&``, ``<``, ``>`` as entities. ``plain_text`` turns it into plain
text once, at the edge, before it becomes a command, so an item is stored as typed and,
escaped again on output, is shown as typed and never links or pings. Slash command text
needs none of this: the manifest does not set ``should_escape``, so Slack sends it as
typed (with only the three entities, which ``bot.slack.textcmd`` reads back).

Rules kept:
- ``<https://x.example>`` -> ``https://x.example``; ``<https://x.example|label>`` ->
  ``label (https://x.example)``, or just the label when it is the address as typed
  (Slack links a typed ``x.example`` as ``<http://x.example|x.example>``);
  ``<mailto:a@b.c|a@b.c>`` -> ``a@b.c``;
- ``<@U123|ana>`` -> ``@ana``; ``<@U123>`` -> ``@U123``: looking the name up would be a
  Web API call inside a listener, which listeners never make, so the id stands in;
- ``<#C123|general>`` -> ``#general``, ``<#C123>`` -> ``#C123``; ``<!here>``,
  ``<!channel>``, ``<!everyone>`` -> ``@here``, ``@channel``, ``@everyone``;
  ``<!subteam^S1|@team>`` -> ``@team``; ``<!date^...|fallback>`` -> the fallback;
- ``&amp;``, ``&lt;``, ``&gt;`` -> ``&``, ``<``, ``>``, in one pass (a typed ``&lt;``
  arrives as ``&amp;lt;`` and stays ``&lt;``); other entities are left alone, since
  Slack escapes only these three.
"""

from __future__ import annotations

import re
from typing import Final

_TOKEN: Final = re.compile(r"<([^<>]*)>")
_ENTITY: Final = re.compile(r"&(amp|lt|gt);")
_ENTITIES: Final = {"amp": "&", "lt": "<", "gt": ">"}
_SPECIALS: Final = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def plain_text(slack_text: str) -> str:
    """``slack_text`` (Slack's message format) as the person typed it."""
    converted = _TOKEN.sub(lambda m: _token(m.group(1)), slack_text)
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], converted)


def _token(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return f"@{label}" if label else target
    if target.startswith("#"):
        return f"#{label}" if label else target
    if target.startswith("!"):
        return _special(target[1:], label)
    return _link(target, label)


def _special(name: str, label: str) -> str:
    if name in _SPECIALS:
        return _SPECIALS[name]
    if name.startswith("subteam^"):
        if label:
            return label if label.startswith("@") else f"@{label}"
        return "@" + name.removeprefix("subteam^")
    if label:
        return label  # a date's fallback text, or any other labelled special
    return f"@{name}"


def _link(url: str, label: str) -> str:
    if not label or label == url:
        return url.removeprefix("mailto:") if url.startswith("mailto:") else url
    if url in (f"http://{label}", f"https://{label}", f"mailto:{label}"):
        return label
    return f"{label} ({url})"
