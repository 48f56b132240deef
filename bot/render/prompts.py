"""The stage prompts the bot posts in the channel: one per stage, for things to fill in.

Rules kept:
- every stage gets one prompt (anchor ``None``), so the channel holds one top-level
  message per stage besides the board and the map. The tasks and stories prompts list
  the parents (activities, tasks) with their ids and what each has so far, capped at
  ``LISTING_BUDGET`` characters with a count of the rest, and say how a reply names its
  parent (``A2: Pick a driver``, ``bot.render.parented``); they carry the board's parent
  picker (``bot.render.controls.parent_picker``), which opens the add form;
- workshops begun before that have one tasks prompt per activity (anchor = activity id)
  and one stories prompt per task (anchor = task id): ``prompt`` still renders those
  when they are refreshed, with a menu to rename or remove (or move) their item
  (``bot.render.menus``); one whose item was removed since says so, with no buttons;
- every adding prompt offers the three ways in: a form, a plain reply in the prompt's
  thread with one item per line, and the matching slash command;
- the voting prompt explains the emoji (or, in blind voting, the buttons) and the budget;
  ``prompts_for`` also returns the story cards (anchor = story id) since voting happens
  on them;
- published and cancelled workshops have no prompts.
"""

from __future__ import annotations

from typing import Final

from slack_sdk.models.blocks import Block

from bot.domain.model import STAGE_ORDER, Stage, VotingMode, Workshop
from bot.render.blocks import BUTTON_CHARS, actions, button, context, section, sections
from bot.render.cards import story_card
from bot.render.controls import parent_picker
from bot.render.guide import COMMANDS, persona_name
from bot.render.ids import ACTIVITIES_ANCHOR, ActionId, Ref
from bot.render.index import MapIndex, index
from bot.render.menus import item_menu
from bot.render.message import Message, message
from bot.render.text import capped_join, clip, escape, plural, quoted

#: Characters the "already here" list of a prompt may take.
EXISTING_BUDGET: Final = 1200
#: Characters the list of parents of a stage's prompt may take (a section holds 3,000).
LISTING_BUDGET: Final = 2400
#: Characters of what one parent has so far in that list, and of its name there.
PARENT_LINE: Final = 300
NAME_CHARS: Final = 60
PROMPT_BLOCK: Final = "prompt"


def prompts_for(w: Workshop, stage: Stage) -> list[tuple[str | None, Message]]:
    """Every message ``stage`` needs in the thread, each with its anchor."""
    ix = index(w)  # once for every prompt and card, not once per message
    if stage is Stage.TASKS:
        return [(None, _tasks_stage(w, ix))]
    if stage is Stage.STORIES:
        return [(None, _stories_stage(w, ix))]
    if stage is Stage.VOTING:
        order = [s for t in w.tasks for s in ix.stories_of.get(t.id, [])]
        cards = [(s.id, story_card(w, s.id, ix)) for s in order]
        return [(None, _voting(w)), *cards]
    if stage.is_open:
        return [(None, prompt(w, stage, None))]
    return []


def prompt(w: Workshop, stage: Stage, anchor: str | None) -> Message:
    """The prompt for ``stage``; ``anchor``: None for the stage's prompt, or the activity
    (tasks) or task (stories) id of a per-parent prompt of an older workshop."""
    if stage is Stage.PERSONA:
        return _persona(w)
    if stage is Stage.ACTIVITIES:
        return _activities(w)
    if stage is Stage.TASKS:
        return _tasks_stage(w, index(w)) if anchor is None else _tasks(w, index(w), anchor)
    if stage is Stage.STORIES:
        return _stories_stage(w, index(w)) if anchor is None else _stories(w, index(w), anchor)
    if stage is Stage.VOTING:
        return _voting(w)
    if stage is Stage.SLICING:
        return _slicing(w)
    raise ValueError(f"a {stage.value} workshop has no prompts")


def _ref(w: Workshop, stage: Stage, anchor: str | None = None) -> Ref:
    return Ref(number=w.number, anchor=anchor, stage=stage)


def _where(w: Workshop, stage: Stage) -> str:
    step = STAGE_ORDER.index(stage) + 1
    return f"Story map {quoted(w.title)} · step {step} of {len(STAGE_ORDER)}: {stage.label}"


def _ways(noun: str, stage: Stage, command: str | None = None) -> str:
    return (
        f"Add them with the button (it opens a form), *or simply reply in this thread, "
        f"one {noun} per line*. Prefer typing? {command or COMMANDS[stage]}"
    )


def _compose(w: Workshop, stage: Stage, text: str, body: list[Block]) -> Message:
    return message(text, [*body, context(_where(w, stage))])


def _persona(w: Workshop) -> Message:
    ref = _ref(w, Stage.PERSONA)
    body: list[Block] = [
        section(
            "*Who is this map for?* Name one persona, e.g. _Operations Manager at a logistics "
            "company_. Everything on the map is what this person does and needs; without "
            "one, people argue about whose workflow comes first."
        ),
        section(
            "Set it with the button, *or simply reply in this thread* with the persona. "
            f"Prefer typing? {COMMANDS[Stage.PERSONA]}"
        ),
        actions(PROMPT_BLOCK, [button("Set persona", ActionId.OPEN_PERSONA_MODAL, ref, "primary")]),
    ]
    return _compose(w, Stage.PERSONA, "Who is this story map for? Reply with the persona.", body)


def _activities(w: Workshop) -> Message:
    ref = _ref(w, Stage.ACTIVITIES, ACTIVITIES_ANCHOR)
    add = button("Add activities", ActionId.OPEN_ADD_MODAL, ref, "primary")
    body: list[Block] = [
        section(
            f"*Backbone: what are the big things {persona_name(w)} does?* Left to right, in "
            "the order they happen, e.g. Plan shipment → Assign driver → Track delivery → "
            "Resolve issues."
        ),
        section(_ways("activity", Stage.ACTIVITIES)),
        actions(PROMPT_BLOCK, [add]),
    ]
    return _compose(w, Stage.ACTIVITIES, "Backbone activities: reply, one per line.", body)


def _reply_with_ids(noun: str, kind: str, parents: list[str], example: str) -> str:
    """How a reply to a stage's prompt says where its lines go."""
    if len(parents) == 1:
        where = f"they go under {parents[0]} (the only one, so no id is needed)"
    else:
        where = (
            f"starting with where it goes: `{kind}{example}`. A line with only an id "
            f"(`{kind}2`) puts the lines after it under that one"
        )
    return (
        f"*Reply in this thread*, one {noun} per line; {where}. Or pick where in the "
        f"list below (it opens a form). Prefer typing? `/storymap add {kind}2 &lt;{noun}&gt;`"
    )


def _listing(lines: list[tuple[str, bool]], noun: str, nouns: str) -> str:
    """``lines`` (text, whether it is a parent's) while they fit in ``LISTING_BUDGET``,
    then how many more parents there are, as ``noun``."""
    kept: list[str] = []
    used = 0
    for n, (line, _) in enumerate(lines):
        if kept and used + len(line) + 1 > LISTING_BUDGET:
            left = sum(1 for _, parent in lines[n:] if parent)
            more = "1 more " + noun if left == 1 else f"{left} more {nouns}"
            kept.append(f"… and {more}: the board shows them all.")
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def _name(text: str) -> str:
    return f"“{clip(text, NAME_CHARS)}”"  # clip escapes


def _children(items: list[str]) -> str:
    return capped_join(items, ", ", PARENT_LINE) if items else "_none yet_"


def _tasks_stage(w: Workshop, ix: MapIndex) -> Message:
    """The tasks stage's one prompt: every activity with its tasks so far."""
    ref = _ref(w, Stage.TASKS)
    parents = [a.id for a in w.activities]
    lines = [
        (
            f"*{a.id}* {_name(a.text)}: "
            + _children([f"{t.id} {quoted(t.text)}" for t in ix.tasks_of.get(a.id, [])]),
            True,
        )
        for a in w.activities
    ]
    body: list[Block] = [
        section(
            "*Tasks: the steps of each activity.* Short phrases, verb first, e.g. for "
            "Track delivery: View real-time map, See estimated arrival time."
        ),
        section(_reply_with_ids("task", "A", parents, "2: Pick a driver")),
    ]
    if lines:
        body.extend(sections(_listing(lines, "activity", "activities")))
    body.extend(parent_picker(w, ix, ref, PROMPT_BLOCK))
    return _compose(w, Stage.TASKS, "Tasks: reply with one per line, e.g. A2: Pick a driver.", body)


def _stories_stage(w: Workshop, ix: MapIndex) -> Message:
    """The stories stage's one prompt: every task, under its activity, with its stories."""
    ref = _ref(w, Stage.STORIES)
    parents = [t.id for t in w.tasks]
    lines: list[tuple[str, bool]] = []
    for a in w.activities:
        tasks = ix.tasks_of.get(a.id, [])
        if tasks:
            lines.append((f"_In {a.id} {_name(a.text)}:_", False))
        for t in tasks:
            stories = [f"{s.id} {quoted(s.text)}" for s in ix.stories_of.get(t.id, [])]
            name = _name(t.text)
            lines.append((f"• *{t.id}* {name}: {_children(stories)}", True))
    body: list[Block] = [
        section(
            f"*Story cards: what would {persona_name(w)} need at each step?* One card per "
            "story, most important first."
        ),
        section(_reply_with_ids("story", "T", parents, "3: See the driver on a map")),
    ]
    if lines:
        body.extend(sections(_listing(lines, "task", "tasks")))
    body.extend(parent_picker(w, ix, ref, PROMPT_BLOCK))
    return _compose(
        w, Stage.STORIES, "Story cards: reply with one per line, e.g. T3: See ETA.", body
    )


def _tasks(w: Workshop, ix: MapIndex, activity_id: str) -> Message:
    activity = ix.activity_by_id.get(activity_id)
    if activity is None:
        return _removed(w, Stage.TASKS, activity_id)
    title = f"Tasks under {activity.id} {quoted(activity.text)}"
    ref = _ref(w, Stage.TASKS, activity.id)
    label = clip(f"Add tasks under {activity.id}", BUTTON_CHARS)
    body: list[Block] = [
        *sections(
            f"*{title}*\nWhat steps make up this activity? Short phrases, verb first, e.g. "
            "for Track delivery: View real-time map, See estimated arrival time."
        ),
        section(_ways("task", Stage.TASKS, f"`/storymap add {activity.id} &lt;task&gt;`")),
    ]
    existing = [f"{t.id} {quoted(t.text)}" for t in ix.tasks_of.get(activity.id, [])]
    if existing:
        body.append(context("Already here: " + capped_join(existing, ", ", EXISTING_BUDGET)))
    add = button(label, ActionId.OPEN_ADD_MODAL, ref, "primary")
    menu = item_menu(w, activity)
    body.append(actions(PROMPT_BLOCK, [add, *([menu] if menu else [])]))
    return _compose(w, Stage.TASKS, f"{title}: reply, one per line.", body)


def _stories(w: Workshop, ix: MapIndex, task_id: str) -> Message:
    task = ix.task_by_id.get(task_id)
    if task is None:
        return _removed(w, Stage.STORIES, task_id)
    activity = ix.activity_by_id.get(task.activity_id)
    under = f" (in {activity.id} {quoted(activity.text)})" if activity else ""
    title = f"Story cards under {task.id} {quoted(task.text)}"
    ref = _ref(w, Stage.STORIES, task.id)
    label = clip(f"Add stories under {task.id}", BUTTON_CHARS)
    body: list[Block] = [
        *sections(
            f"*{title}*{under}\nWhat would {persona_name(w)} need at this step? "
            "One card per story, most important first."
        ),
        section(_ways("story", Stage.STORIES, f"`/storymap add {task.id} &lt;story&gt;`")),
    ]
    existing = [f"{s.id} {quoted(s.text)}" for s in ix.stories_of.get(task.id, [])]
    if existing:
        body.append(context("Already here: " + capped_join(existing, ", ", EXISTING_BUDGET)))
    add = button(label, ActionId.OPEN_ADD_MODAL, ref, "primary")
    menu = item_menu(w, task)
    body.append(actions(PROMPT_BLOCK, [add, *([menu] if menu else [])]))
    return _compose(w, Stage.STORIES, f"{title}: reply, one per line.", body)


def _removed(w: Workshop, stage: Stage, item_id: str) -> Message:
    """The prompt of an activity or task no longer on the map (ids are never reused)."""
    text = f"{escape(item_id)} was removed from the map."
    body: list[Block] = [
        section(f"*{escape(item_id)}* was removed from the map; replies here add nothing.")
    ]
    return _compose(w, stage, text, body)


def _voting(w: Workshop) -> Message:
    emoji = f":{w.settings.vote_emoji}:"
    budget = plural(w.settings.vote_budget, "vote")
    if w.settings.voting_mode is VotingMode.BLIND:
        return _blind_voting(w, budget)
    body: list[Block] = [
        section(
            f"*Voting is open.* Every story card below is its own message: react "
            f"with {emoji} on the cards that matter most to {persona_name(w)}. "
            f"Everyone has *{budget}*; remove your reaction to take a vote back and use it "
            "elsewhere."
        ),
        section("`/storymap status` (or the button) tells you how many votes you have left."),
        actions(PROMPT_BLOCK, [button("My votes", ActionId.SHOW_STATUS, _ref(w, Stage.VOTING))]),
    ]
    return _compose(w, Stage.VOTING, f"Voting is open: react with {emoji}, {budget} each.", body)


def _blind_voting(w: Workshop, budget: str) -> Message:
    cap = w.settings.vote_cap
    most = f", at most {cap} on one card" if cap > 1 else ""
    body: list[Block] = [
        section(
            f"*Voting is open, blind.* Every story card below is its own message: press "
            f"*Vote* on the cards that matter most to {persona_name(w)}, *Unvote* to take a "
            f"vote back. Everyone has *{budget}*{most}. Nobody sees any count, the "
            "facilitator included, until the facilitator closes voting; then all are shown "
            "at once."
        ),
        section("`/storymap status` (or the button) tells you how many votes you have left."),
        actions(PROMPT_BLOCK, [button("My votes", ActionId.SHOW_STATUS, _ref(w, Stage.VOTING))]),
    ]
    text = f"Voting is open, blind: press Vote on the cards, {budget} each."
    return _compose(w, Stage.VOTING, text, body)


def _slicing(w: Workshop) -> Message:
    ref = _ref(w, Stage.SLICING)
    draw = button("Draw release slices", ActionId.OPEN_SLICING_MODAL, ref, "primary")
    body: list[Block] = [
        section(
            "*Release slices.* Draw slice lines across the map: which stories make "
            "*Release 1*, the smallest release worth shipping (e.g. _View map + ETA_)? Then "
            "Release 2, and so on. The form opens with a suggestion: the top story of each "
            "task as a walking skeleton."
        ),
        section(f"Prefer typing? {COMMANDS[Stage.SLICING]} (the first slice is Release 1)."),
        actions(PROMPT_BLOCK, [draw]),
    ]
    return _compose(w, Stage.SLICING, "Release slices: draw them with the form.", body)
