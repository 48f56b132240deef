"""The stage prompts the bot posts in the board's thread, one per thing to fill in.

Rules kept:
- persona, activities, voting and slicing get one prompt each; the tasks stage gets one
  per activity (anchor = activity id) and the stories stage one per task (anchor = task
  id), so a reply in a prompt's thread says by itself where its items go;
- every adding prompt offers the three ways in: the button (opens a modal), a plain reply
  in the prompt's thread with one item per line, and the matching slash command;
- a tasks prompt has a menu to rename or remove its activity, a stories prompt one to
  rename, move or remove its task (``bot.render.menus``);
- the prompt of an activity or task removed since says so, with no buttons;
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
from bot.render.guide import COMMANDS, persona_name
from bot.render.ids import ACTIVITIES_ANCHOR, ActionId, Ref
from bot.render.index import MapIndex, index
from bot.render.menus import item_menu
from bot.render.message import Message, message
from bot.render.text import capped_join, clip, escape, plural, quoted

#: Characters the "already here" list of a prompt may take.
EXISTING_BUDGET: Final = 1200
PROMPT_BLOCK: Final = "prompt"


def prompts_for(w: Workshop, stage: Stage) -> list[tuple[str | None, Message]]:
    """Every message ``stage`` needs in the thread, each with its anchor."""
    ix = index(w)  # once for every prompt and card, not once per message
    if stage is Stage.TASKS:
        return [(a.id, _tasks(w, ix, a.id)) for a in w.activities]
    if stage is Stage.STORIES:
        return [(t.id, _stories(w, ix, t.id)) for t in w.tasks]
    if stage is Stage.VOTING:
        order = [s for t in w.tasks for s in ix.stories_of.get(t.id, [])]
        cards = [(s.id, story_card(w, s.id, ix)) for s in order]
        return [(None, _voting(w)), *cards]
    if stage.is_open:
        return [(None, prompt(w, stage, None))]
    return []


def prompt(w: Workshop, stage: Stage, anchor: str | None) -> Message:
    """The prompt for ``stage``; ``anchor`` is the activity (tasks) or task (stories) id."""
    if stage is Stage.PERSONA:
        return _persona(w)
    if stage is Stage.ACTIVITIES:
        return _activities(w)
    if stage is Stage.TASKS:
        return _tasks(w, index(w), _need(anchor, "an activity id"))
    if stage is Stage.STORIES:
        return _stories(w, index(w), _need(anchor, "a task id"))
    if stage is Stage.VOTING:
        return _voting(w)
    if stage is Stage.SLICING:
        return _slicing(w)
    raise ValueError(f"a {stage.value} workshop has no prompts")


def _need(anchor: str | None, what: str) -> str:
    if anchor is None:
        raise ValueError(f"this prompt is about one item: pass {what} as anchor")
    return anchor


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
