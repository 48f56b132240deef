"""Ephemeral answers: where the workshop stands for one person, and the usage text.

Rules kept: ``status`` shows the stage and the progress line, the counts, the asking
person's votes left (once voting has started), what the machine still wants before
``next`` (or ``publish``), and who facilitates; ``help_message`` lists the whole text
interface of PRODUCT.md, so every button has a typed equivalent people can discover.
"""

from __future__ import annotations

from typing import Final

from slack_sdk.models.blocks import Block

from bot.domain.model import STAGE_ORDER, Stage, Workshop
from bot.render.blocks import context, header, section, sections
from bot.render.board import counts, deadline_lines
from bot.render.guide import missing_for_next, progress_line
from bot.render.index import index
from bot.render.message import Message, message
from bot.render.text import escape, mention, quoted

USAGE: Final = (
    ("/storymap start [title]", "start a workshop in this channel; you facilitate"),
    ("/storymap persona <text>", "set or replace the persona (who the map is for)"),
    ("/storymap add <text>", "activities stage: add a backbone activity"),
    ("/storymap add <A#> <text>", "tasks stage: add a task under activity A#"),
    ("/storymap add <T#> <text>", "stories stage: add a story under task T#"),
    ("/storymap next | back", "facilitator: move to the next / previous stage"),
    ("/storymap budget <n>", "facilitator: votes per person (until voting ends)"),
    (
        "/storymap budget <n> cap <m>",
        "facilitator: also at most m of one person's votes on one card (blind voting)",
    ),
    (
        "/storymap voting emoji|blind",
        "facilitator, before voting opens: vote with reactions (the default), or blind "
        "with Vote / Unvote buttons and counts hidden until voting closes",
    ),
    ("/storymap rename <A#|T#|S#> <text>", "new words for an item (its author or the facilitator)"),
    (
        "/storymap remove <A#|T#|S#>",
        "take an item off the map (its author or the facilitator); an activity or task "
        "with things under it asks first",
    ),
    ("/storymap move <S#> <T#>", "a story to another task (its votes stay)"),
    ("/storymap move <T#> <A#>", "a task to another activity"),
    ("/storymap order <A#> <A#> ...", "facilitator: the backbone's order, left to right"),
    ("/storymap order <A#> <T#> ...", "facilitator: the order of the tasks under A#"),
    ("/storymap order <T#> <S#> ...", "facilitator: set the priority of the stories under T#"),
    (
        "/storymap split <S#> <text> | <text> ...",
        "one story into several (its author or the facilitator)",
    ),
    ("/storymap undo", "take back your last change (the facilitator: the workshop's last)"),
    ("/storymap history", "the last 20 changes: who, what, when (only you see it)"),
    (
        "/storymap export jira | markdown | json",
        "the map as a file in the channel: a CSV for Jira or Linear, Markdown or JSON",
    ),
    (
        "/storymap deadline <when> [auto]",
        "facilitator: the stage's deadline in your time (`tomorrow 17:00`, `friday 12:00`, "
        "`in 2 days`); auto: move on by itself; `deadline clear` removes it",
    ),
    (
        "/storymap start <title> over <n> days|weeks",
        "a workshop that runs itself: each stage gets a deadline on a working day, at a "
        "time fair to the channel's time zones, and moves on by itself; you approve the "
        "proposed release plan",
    ),
    (
        "/storymap schedule [over <n> weeks | <stage> <when> | off]",
        "the schedule (only you see it); facilitator: plan one, move one stage's deadline "
        "(persona, activities, tasks, stories, voting), or turn it off",
    ),
    ("/storymap mute | unmute", "stop (or restart) reminders for you in this workshop"),
    (
        "/storymap slice <name> = <S#> ... -- <outcome>",
        "facilitator: define or redefine a release slice and what it is for; the first is "
        "Release 1; no stories removes it (or, with an outcome, changes only the outcome)",
    ),
    (
        "/storymap publish [anyway]",
        "facilitator: publish and pin the final map; when Release 1 leaves an activity "
        "without a story you are asked first, and `anyway` publishes all the same",
    ),
    (
        "/storymap reopen",
        "facilitator, after publishing: back to release slices; publishing again updates "
        "the pinned map in place",
    ),
    ("/storymap status", "where the workshop stands (only you see it)"),
    ("/storymap cancel", "facilitator: end without publishing"),
    ("/storymap help", "this message"),
)


def status(w: Workshop, user: str) -> Message:
    text = status_text(w, user)
    # The fallback text is the whole status: an ephemeral notice may carry text only.
    return message(text, [section(text)])


def status_text(w: Workshop, user: str) -> str:
    """The status as text alone (what a notice shows), without building its blocks."""
    ix = index(w)
    lines = [
        f"*{quoted(w.title)}* is at *{w.stage.label}*, facilitated by {mention(w.facilitator)}.",
        progress_line(w.stage),
        counts(w),
        *deadline_lines(w),
    ]
    if _voting_started(w.stage):
        budget = w.settings.vote_budget
        left = w.votes_left(user)
        lines.append(f"Your votes: {left} of {budget} left ({budget - left} used).")
    missing = missing_for_next(w, ix)
    if missing:
        lines.append(missing)
    elif w.stage is Stage.SLICING:
        lines.append("Ready to publish: the facilitator can `/storymap publish`.")
    elif w.stage.is_open:
        lines.append("Ready for the next stage: the facilitator can `/storymap next`.")
    return "\n".join(lines)


def _voting_started(stage: Stage) -> bool:
    if stage is Stage.PUBLISHED:
        return True
    return stage in STAGE_ORDER and STAGE_ORDER.index(stage) >= STAGE_ORDER.index(Stage.VOTING)


def help_message() -> Message:
    # The usage is written as typed; in mrkdwn, ``<text>`` would be read as a link.
    usage = "\n".join(f"`{escape(command)}`  {what}" for command, what in USAGE)
    blocks: list[Block] = [
        header("Story mapping with /storymap"),
        section(
            "A workshop runs the seed's steps in order: persona → backbone activities → "
            "tasks → story cards → voting → release slices → published map. Use the "
            "buttons, reply in a stage prompt's thread (one item per line; `A2: Pick a "
            "driver` puts a line under A2), or type:"
        ),
        *sections(usage),
        context("Items get ids when created (A1, T3, S12): use them to say where things go."),
        context(
            "On any message, ⋯ More actions → *Add to story map* makes it an item of the "
            "current stage, linked back to the message."
        ),
    ]
    return message("Story mapping with /storymap: usage", blocks)
