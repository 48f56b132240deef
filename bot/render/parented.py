"""Reading a reply in a stage prompt's thread into (parent, text) pairs.

The tasks and stories stages each have one prompt for all their parents (activities,
tasks); a reply there says where each line goes:

- ``A2: Pick a driver`` (or ``A2 Pick a driver``) goes under A2;
- a line that is only an id (``A2:`` or ``A2``) makes the lines after it go under A2,
  until the next such line;
- a line with no parent before it goes under the only parent when there is exactly one,
  else is not placed: it comes back in ``unplaced``, word for word, for the author to be
  told (nothing they wrote is lost).

Only ids of the parents' kind are read as prefixes (``A`` in the tasks stage, ``T`` in
the stories stage); whether the parent exists is the machine's to say, line by line.
Lines come already split and cleaned (``bot.render.submissions.split_items``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.text import normalise_id
from bot.render.text import escape


@dataclass(frozen=True)
class Parented:
    #: (parent id, text, the line as written) for each line that says (or implies) its
    #: parent, in order.
    placed: list[tuple[str, str, str]] = field(default_factory=list)
    #: The lines with no parent, as written.
    unplaced: list[str] = field(default_factory=list)


def _prefix(kind: str) -> re.Pattern[str]:
    return re.compile(rf"^({kind}\d{{1,6}})(?:\s*:\s*|\s+|$)(.*)$", re.IGNORECASE)


def parse_parented(lines: Sequence[str], kind: str, parents: Sequence[str]) -> Parented:
    """``lines`` of a reply read with ``kind`` (``"A"`` or ``"T"``) ids as prefixes;
    ``parents``: the ids there are now (one of them means no prefix is needed)."""
    pattern = _prefix(kind)
    current = parents[0] if len(parents) == 1 else None
    result = Parented()
    for line in lines:
        match = pattern.match(line)
        item_id = normalise_id(match.group(1)) if match else None
        if match is not None and item_id is not None:
            text = match.group(2).strip()
            if text:
                result.placed.append((item_id, text, line))
            else:
                current = item_id
            continue
        if current is None:
            result.unplaced.append(line)
        else:
            result.placed.append((current, line, line))
    return result


def how_to_place(unplaced: Sequence[str], kind: str) -> str:
    """What the author of ``unplaced`` lines is told: those lines, quoted back, and how
    to say where they go."""
    example, bare = ("A2: Pick a driver", "A2") if kind == "A" else ("T3: See ETA", "T3")
    parent = "activity" if kind == "A" else "task"
    quoted = "\n".join(f"> {escape(line)}" for line in unplaced)
    return (
        f"These lines were not added: they do not say which {parent} they go under.\n"
        f"{quoted}\nStart a line with the id, e.g. `{example}`, or put a line with only "
        f"the id (`{bare}`) before the lines that go under it."
    )


def stage_kind(stage: str) -> str | None:
    """The id letter of the parents a reply to ``stage``'s own prompt names: ``A`` for
    tasks, ``T`` for stories, None for the other stages."""
    return {"tasks": "A", "stories": "T"}.get(stage)
