"""The workshop board: the one message in the channel that always shows where things stand.

Rules kept:
- header with the title, who facilitates, the stage progress line, what to do now (with
  what is still missing), the persona, the backbone with ids, the counts, and the
  buttons for the stage's next step;
- the board is a summary, refreshed on every change: long lists (backbone, empty
  activities or tasks, the parent picker) are capped with "… and N more" so it always fits
  one message; the full map lives in the published map, never capped;
- a published or cancelled board carries no buttons: there is nothing left to do on it;
- every button and option carries a ``Ref`` with the workshop number and the stage shown.
"""

from __future__ import annotations

from typing import Final

from slack_sdk.models.blocks import Block

from bot.domain.model import Stage, Workshop
from bot.domain.when import slack_date
from bot.render.blocks import HEADER_CHARS, context, header, section
from bot.render.controls import board_controls
from bot.render.guide import progress_line, what_now
from bot.render.index import index
from bot.render.message import Message, message
from bot.render.text import capped_join, clip, escape, mention, plural, quoted

#: Characters the backbone line may take on the board (the map shows all of it).
BACKBONE_BUDGET: Final = 1500
#: Characters the release slices may take on the board.
SLICES_BUDGET: Final = 1500


def board(w: Workshop) -> Message:
    ix = index(w)
    who = f"Facilitated by {mention(w.facilitator)}"
    if w.number:
        who = f"Workshop #{w.number} · {who}"
    blocks: list[Block] = [
        header(clip(w.title, HEADER_CHARS)),
        context(who),
        section(progress_line(w.stage)),
        section(what_now(w, ix)),
    ]
    if w.persona is not None:
        blocks.append(section(f"*Persona:* {escape(w.persona.text)}"))
    if w.activities:
        line = capped_join(
            (f"{a.id} {escape(a.text)}" for a in w.activities), " → ", BACKBONE_BUDGET
        )
        blocks.append(section(f"*Backbone:* {line}"))
    if w.slices:
        lines = (
            f"── Release {n}: {escape(r.name)} ── {' '.join(r.story_ids)}"
            for n, r in enumerate(w.slices, start=1)
        )
        blocks.append(section("*Release slices:*\n" + capped_join(lines, "\n", SLICES_BUDGET)))
    blocks.append(context(counts(w)))
    if w.stage.is_open:
        blocks.append(context(*deadline_lines(w)))
    blocks.extend(board_controls(w, ix))
    return message(f"Story map {quoted(w.title)}: {w.stage.label}", blocks)


def deadline_lines(w: Workshop) -> list[str]:
    """Who has contributed to this stage, and its deadline in each reader's own time."""
    people = len(w.contributed(w.stage))
    lines = [f"{plural(people, 'person has', 'people have')} contributed to this stage"]
    if w.deadline is not None:
        then = "moves on by itself" if w.deadline.auto else "the facilitator moves on"
        lines.append(f"Deadline: {slack_date(w.deadline.at)} ({then})")
    return lines


def counts(w: Workshop) -> str:
    return " · ".join(
        (
            plural(len(w.activities), "activity", "activities"),
            plural(len(w.tasks), "task"),
            plural(len(w.stories), "story", "stories"),
            "votes hidden until voting closes"
            if w.counts_hidden
            else plural(w.total_votes, "vote") + " cast",
            plural(len({*w.participants, *w.contributed(Stage.VOTING)}), "participant"),
        )
    )
