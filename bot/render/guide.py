"""What each stage asks of people, in the words the board, prompts and status share.

Rules kept: the stage's question follows the seed (persona first; the big things the
persona does, left to right; the steps of each activity; story cards under each task;
dot voting; release slices). What blocks ``next`` mirrors the machine's gate, naming
the empty activities or tasks; such lists are summaries, capped with "… and N more"
(the full map is elsewhere), so a huge workshop cannot push a board past Slack's limits.
"""

from __future__ import annotations

from typing import Final

from bot.domain.model import STAGE_ORDER, Stage, VotingMode, Workshop
from bot.render.index import MapIndex
from bot.render.text import capped_join, escape, plural, quoted

SHORT_NAMES: Final[dict[Stage, str]] = {
    Stage.PERSONA: "Persona",
    Stage.ACTIVITIES: "Activities",
    Stage.TASKS: "Tasks",
    Stage.STORIES: "Stories",
    Stage.VOTING: "Voting",
    Stage.SLICING: "Slices",
}

#: How many characters a summary list of ids and names may take.
LIST_BUDGET: Final = 600

#: The slash command that adds or does the stage's work, for people who prefer typing.
COMMANDS: Final[dict[Stage, str]] = {
    Stage.PERSONA: "`/storymap persona &lt;who&gt;`",
    Stage.ACTIVITIES: "`/storymap add &lt;activity&gt;`",
    Stage.TASKS: "`/storymap add &lt;A#&gt; &lt;task&gt;`",
    Stage.STORIES: "`/storymap add &lt;T#&gt; &lt;story&gt;`",
    Stage.SLICING: "`/storymap slice &lt;name&gt; = &lt;S#&gt; &lt;S#&gt; …`",
}


def progress_line(stage: Stage) -> str:
    """``✓ Persona → ● *Tasks* → Stories → Voting → Slices``."""
    if stage is Stage.CANCELLED:
        return "✗ Cancelled"
    done = len(STAGE_ORDER) if stage is Stage.PUBLISHED else STAGE_ORDER.index(stage)
    steps = [_step(SHORT_NAMES[s], n, done) for n, s in enumerate(STAGE_ORDER)]
    if stage is Stage.PUBLISHED:
        steps.append("● *Published*")
    return " → ".join(steps)


def _step(name: str, n: int, current: int) -> str:
    if n < current:
        return f"✓ {name}"
    return f"● *{name}*" if n == current else name


def persona_name(w: Workshop) -> str:
    return escape(w.persona.text) if w.persona else "the persona"


def what_now(w: Workshop, ix: MapIndex) -> str:
    """The stage's question and, where work is missing, what is still missing."""
    who = persona_name(w)
    stage = w.stage
    if stage is Stage.PERSONA:
        lead = (
            "*Who is the map for?* Name one persona, e.g. _Operations Manager at a logistics "
            "company_. Without one, people argue about whose workflow comes first."
        )
    elif stage is Stage.ACTIVITIES:
        lead = (
            f"*What are the big things {who} does?* Add backbone activities, left to right "
            "in the order they happen, e.g. Plan shipment → Assign driver → Track delivery."
        )
    elif stage is Stage.TASKS:
        lead = "*What steps make up each activity?* Add tasks under each activity."
    elif stage is Stage.STORIES:
        lead = (
            f"*What would {who} need at each step?* Add story cards under each task, "
            "most important first."
        )
    elif stage is Stage.VOTING and w.settings.voting_mode is VotingMode.BLIND:
        lead = (
            "*Vote on the story cards:* press Vote on a card (Unvote takes it back). "
            f"Everyone has {plural(w.settings.vote_budget, 'vote')}; counts stay hidden "
            "until voting closes."
        )
    elif stage is Stage.VOTING:
        lead = (
            f"*Vote on the story cards:* react with :{w.settings.vote_emoji}: on a card. "
            f"Everyone has {plural(w.settings.vote_budget, 'vote')}; remove your reaction "
            "to take one back."
        )
    elif stage is Stage.SLICING:
        lead = (
            "*Draw release slices* across the map: Release 1 is the smallest thing worth "
            "shipping (e.g. _View map + ETA_), then Release 2, and so on. The facilitator "
            "publishes when the slices are agreed."
        )
    elif stage is Stage.PUBLISHED:
        return "The map is published and pinned in this channel. Thank you, everyone!"
    else:
        return (
            "This workshop was cancelled; nothing was published. "
            "Start a new one with `/storymap start`."
        )
    missing = missing_for_next(w, ix)
    return f"{lead}\n{missing}" if missing else lead


def missing_for_next(w: Workshop, ix: MapIndex) -> str | None:
    """What the machine's gate still wants before ``next`` (or ``publish``), if anything."""
    stage = w.stage
    if stage is Stage.PERSONA and w.persona is None:
        return "Still missing: a persona."
    if stage is Stage.ACTIVITIES and not w.activities:
        return "Still missing: at least one backbone activity."
    if stage is Stage.TASKS:
        empty = [f"{a.id} {quoted(a.text)}" for a in w.activities if not ix.tasks_of.get(a.id)]
        if empty:
            return "Still without tasks: " + capped_join(empty, ", ", LIST_BUDGET) + "."
    if stage is Stage.STORIES:
        bare = [f"{t.id} {quoted(t.text)}" for t in w.tasks if not ix.stories_of.get(t.id)]
        if bare:
            return "Still without stories: " + capped_join(bare, ", ", LIST_BUDGET) + "."
    if stage is Stage.SLICING and not w.slices:
        return "Still missing: at least one release slice before publishing."
    return None
