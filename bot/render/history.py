"""``/storymap history``: the workshop's last changes, for the person who asked.

Rules kept: the last ``SHOWN`` entries of ``Workshop.history``, newest first, one line
each: ``#seq``, who (a mention), when (Slack's date token, so each reader sees their own
time), what (the entry's summary, already escaped mrkdwn), and "(undone by #n)" on an
entry an undo took back. A summary longer than ``SUMMARY_CHARS`` is shortened with an
ellipsis, never inside an ``&amp;`` entity or a ``<...>`` token, so twenty entries always
fit in one message. An empty history answers with one friendly line.
"""

from __future__ import annotations

from typing import Final

from bot.domain.model import Change, Workshop
from bot.domain.when import slack_date
from bot.render.blocks import sections
from bot.render.message import Message, message
from bot.render.text import mention, plural, quoted

#: How many changes the answer lists.
SHOWN: Final = 20
#: The longest summary shown in full (20 lines stay well inside a message's limits).
SUMMARY_CHARS: Final = 400


def history(w: Workshop) -> Message:
    text = history_text(w)
    # The fallback text is the whole answer, as for the status: both are short lists.
    return message(text, sections(text))


def history_text(w: Workshop) -> str:
    title = quoted(w.title)
    if not w.history:
        return (
            f"Nothing has changed in *{title}* yet. Once people add, rename, move or remove "
            "things, `/storymap history` lists each change: who, what and when."
        )
    newest = list(reversed(w.history[-SHOWN:]))
    if len(w.history) > SHOWN:
        lead = f"The last {SHOWN} of {len(w.history)} changes to *{title}*, newest first:"
    else:
        lead = f"{plural(len(newest), 'change')} to *{title}*, newest first:"
    return "\n".join([lead, *(entry_line(change) for change in newest)])


def entry_line(change: Change) -> str:
    """``*#12* <@U1>, <!date^…>: Renamed S4 …`` and, if taken back, ``_(undone by #14)_``."""
    line = f"*#{change.seq}* {mention(change.actor)}, {slack_date(change.at)}: "
    line += shortened(change.summary)
    if change.undone_by is not None:
        line += f" _(undone by #{change.undone_by})_"
    return line


def shortened(summary: str, limit: int = SUMMARY_CHARS) -> str:
    """``summary`` (escaped mrkdwn) cut to at most ``limit`` characters with an ellipsis,
    never inside an ``&…;`` entity or a ``<…>`` token."""
    flat = " ".join(summary.split())
    if len(flat) <= limit:
        return flat
    cut = limit - 1
    entity = flat.rfind("&", max(0, cut - len("&amp;") + 1), cut)
    if entity >= 0 and ";" not in flat[entity:cut]:
        cut = entity
    token = flat.rfind("<", 0, cut)
    if token >= 0 and ">" not in flat[token:cut]:
        cut = token
    return flat[:cut].rstrip() + "…"
