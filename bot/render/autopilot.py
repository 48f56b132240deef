"""What a workshop that runs itself says: its schedule, the proposed release plan, the
word to the people who can unblock a stage, and the question to the facilitator.

Rules kept: every time is Slack's date token (each reader sees their own local time);
user text is escaped; a direct message names the workshop and its channel, and its
buttons carry the channel in their ``Ref`` (a button in a direct message acts on the
workshop it names).
"""

from __future__ import annotations

from typing import Any, Final

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement, PlainTextObject

from bot.domain.model import STAGE_ORDER, Stage, Workshop
from bot.domain.when import slack_date
from bot.render.blocks import actions, button, context, modal, section, sections
from bot.render.ids import ActionId, CallbackId, Ref
from bot.render.message import Message, message
from bot.render.text import escape, quoted

PROPOSAL_BLOCK: Final = "proposal"
ASK_BLOCK: Final = "schedule_ask"
FIX_BLOCK: Final = "schedule_fix"
PLAN_BLOCK: Final = "plan_span"
PLAN_INPUT: Final = "span"

HOW_TO_CHANGE: Final = (
    "Change a stage's deadline: `/storymap schedule voting friday 17:00` · turn it off: "
    "`/storymap schedule off`."
)


def schedule_view(w: Workshop) -> str:
    """``/storymap schedule``: each scheduled stage's deadline, done ones ticked."""
    plan = w.schedule
    if plan is None:
        return (
            f"{quoted(w.title)} has no schedule: stages move on when <@{w.facilitator}> says. "
            "`/storymap schedule over 2 weeks` plans one (the facilitator)."
        )
    now = STAGE_ORDER.index(w.stage)
    lines = [
        f"*Schedule of {quoted(w.title)}*, over {plan.days} working days. At each deadline "
        "the workshop moves on by itself when the stage's work is there."
    ]
    for stage, at in plan.deadlines.items():
        due = w.deadline.at if w.deadline is not None and stage is w.stage else at
        if STAGE_ORDER.index(stage) < now:
            lines.append(f"✓ {stage.label}: done")
        elif stage is w.stage:
            moved = " (moved one working day)" if w.deadline and w.deadline.extended else ""
            lines.append(f"→ *{stage.label}*: {slack_date(due)}, now{moved}")
        else:
            lines.append(f"• {stage.label}: {slack_date(due)}")
    lines.append(
        f"• {Stage.SLICING.label}: a proposed release plan for <@{w.facilitator}> to approve."
    )
    lines.append(HOW_TO_CHANGE)
    return "\n".join(lines)


def proposal_message(w: Workshop) -> Message:
    """The facilitator's one message when voting closes: the plan, Approve, Edit."""
    ref = Ref(number=w.number, stage=Stage.SLICING, channel=w.channel_id)
    text = (
        f"Voting on {quoted(w.title)} in <#{w.channel_id}> is closed. Here is the proposed "
        "release plan: Release 1 is a walking skeleton (the top story of every task), then "
        "each next row of voted stories. Approve it to publish and pin the map, or edit it "
        "first."
    )
    releases = []
    stories = {s.id: s for s in w.stories}
    for n, release in enumerate(w.slices, start=1):
        items = ", ".join(
            f"{sid} {quoted(stories[sid].text)}" for sid in release.story_ids if sid in stories
        )
        outcome = f"\n   _For: {escape(release.outcome)}_" if release.outcome else ""
        releases.append(f"*Release {n}: {escape(release.name)}*: {items}{outcome}")
    body = "\n".join(releases) or "_No release yet: edit the plan to draw one._"
    return message(
        f"The proposed release plan of {quoted(w.title)} is ready for you to approve.",
        [
            *sections(text),
            *sections(body),
            actions(
                PROPOSAL_BLOCK,
                [
                    button("Approve and publish", ActionId.APPROVE_PLAN, ref, "primary"),
                    button("Edit", ActionId.OPEN_SLICING_MODAL, ref),
                ],
            ),
            context(
                "Each release's outcome is empty: fill it in with Edit, or later with "
                "`/storymap slice <name> = -- <outcome>`. Approve publishes what the board "
                "shows at that moment."
            ),
        ],
    )


def proposal_published(w: Workshop) -> Message:
    """The proposal's message once the map is published: what happened, no buttons."""
    text = (
        f"The release plan of {quoted(w.title)} is published: the map is pinned in "
        f"<#{w.channel_id}>."
    )
    return message(text, [section(text)])


def fix_message(w: Workshop, why: str, authored: bool, way_in: tuple[str, str, Ref]) -> Message:
    """To someone who can unblock the stage whose deadline just moved a working day."""
    label, action, ref = way_in
    deadline = slack_date(w.deadline.at) if w.deadline is not None else "soon"
    yours = (
        "You added one of them, so you know best what goes under it."
        if authored
        else "Nothing from you in this stage yet: one line helps."
    )
    text = (
        f"*{w.stage.label}* of the story map {quoted(w.title)} in <#{w.channel_id}> could not "
        f"move on at its deadline. {why}\nIt now closes {deadline}. {yours}"
    )
    return message(
        f"{w.stage.label} of {quoted(w.title)} needs you: it now closes {deadline}.",
        [
            *sections(text),
            actions(
                FIX_BLOCK,
                [
                    button(label, ActionId(action), ref, "primary"),
                    button(
                        "Mute reminders", ActionId.MUTE, Ref(number=w.number, channel=w.channel_id)
                    ),
                ],
            ),
        ],
    )


def ask_message(w: Workshop, why: str) -> Message:
    """To the facilitator when a stage is still blocked after its extra working day."""
    ref = Ref(number=w.number, stage=w.stage, channel=w.channel_id)
    text = (
        f"*{w.stage.label}* of {quoted(w.title)} in <#{w.channel_id}> is still not ready after "
        f"one more working day, so it did not move on. {why}\nYou can fix it yourself, give "
        "it one more working day, or move on once it is fixed."
    )
    return message(
        f"{w.stage.label} of {quoted(w.title)} is stuck: what now?",
        [
            *sections(text),
            actions(
                ASK_BLOCK,
                [
                    button("One more working day", ActionId.EXTEND_DEADLINE, ref, "primary"),
                    button("Next stage →", ActionId.NEXT_STAGE, ref),
                ],
            ),
        ],
    )


def plan_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    """The board's "Plan the workshop": how long it runs itself for."""
    span = PlainTextInputElement(
        action_id=PLAN_INPUT,
        max_length=40,
        placeholder=PlainTextObject(text="2 weeks"),
    )
    blocks: list[Block] = [
        section(
            f"*Let {quoted(w.title)} run itself.* Each stage gets a deadline on a working day, "
            "at a time inside working hours for as many of the channel's members as "
            "possible. At each deadline the workshop moves on by itself when the stage's "
            "work is there; when voting closes you get a release plan to approve."
        ),
        InputBlock(
            block_id=PLAN_BLOCK,
            label=PlainTextObject(text="Over"),
            element=span,
            hint=PlainTextObject(text="Working days or weeks: 2 weeks, 8 days."),
        ),
    ]
    return modal(CallbackId.PLAN, "Plan the workshop", "Plan", ref.in_channel(w.channel_id), blocks)


def parse_plan_submission(values: dict[str, Any]) -> str:
    return str(values.get(PLAN_BLOCK, {}).get(PLAN_INPUT, {}).get("value") or "").strip()
