"""A map brought in from a file (``storymap import``) becoming a channel's workshop.

Rules kept:
- a channel has one active workshop: an import into a channel whose workshop is open
  is refused, and nothing changes;
- the imported workshop resumes where the map can be worked on: a map exported at an
  open stage comes back at that stage; a published map comes back at slicing, as
  ``/storymap reopen`` brings one back, so its slices can be reshaped before it is
  published again; a cancelled map comes back at the first stage whose work is missing
  (the gates ``next`` checks), or at slicing if none is;
- it is new in this channel: the store gives it the channel's next number, and it starts
  with no history, deadline or muted people; its items, authors, votes, order, slices and
  counters are the file's;
- its effects are a start's (the board, then the stage's prompts) and a line in the
  board's thread saying where the map came from.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.effects import Announce, OpenStage, RefreshBoard
from bot.domain.errors import Rejected
from bot.domain.model import Stage, Workshop
from bot.domain.outcome import Outcome
from bot.domain.text import quoted


def resumed_stage(w: Workshop) -> Stage:
    """The stage an imported map is worked on from (see the module's rules)."""
    if w.stage.is_open:
        return w.stage
    if w.stage is Stage.PUBLISHED:
        return Stage.SLICING
    if w.persona is None:
        return Stage.PERSONA
    if not w.activities:
        return Stage.ACTIVITIES
    if any(not w.tasks_of(a.id) for a in w.activities):
        return Stage.TASKS
    if any(not w.stories_of(t.id) for t in w.tasks):
        return Stage.STORIES
    return Stage.SLICING


def import_map(
    current: Workshop | None,
    w: Workshop,
    *,
    team_id: str,
    channel_id: str,
    facilitator: str | None,
    now: datetime,
) -> Outcome:
    """``w`` (from ``bot.render.exports.json_import``) as the channel's new workshop."""
    if current is not None and current.stage.is_open:
        raise Rejected(
            f"{channel_id} already has an active workshop, {quoted(current.title)} at "
            f"{current.stage.label}; publish or cancel it before importing a map."
        )
    stage = resumed_stage(w)
    state = w.model_copy(
        update={
            "team_id": team_id,
            "channel_id": channel_id,
            "facilitator": facilitator or w.facilitator,
            "stage": stage,
            "updated_at": now,
        }
    )
    counts = f"{len(w.activities)} activities, {len(w.tasks)} tasks, {len(w.stories)} stories"
    return Outcome(
        state,
        (
            OpenStage(stage=stage),
            RefreshBoard(),
            Announce(
                text=f"This map was imported from a file: {counts}. "
                f"It resumes at *{stage.label}*, facilitated by <@{state.facilitator}>."
            ),
        ),
        f"Imported {quoted(state.title)} ({counts}) at {stage.label}.",
    )


__all__ = ["import_map", "resumed_stage"]
