"""The Home tab: a person's workshops in this workspace, and a way to start one.

Rules kept:
- pure: the workshops (with the links the Slack side found for them) in, a Home view
  (``type: home``) out, built with slack_sdk's models (``to_dict`` validates it);
- each running workshop shows its channel (``<#C…>``), its stage, its deadline as
  Slack's date token (each reader sees it in their own zone, as on the board), what the
  reader has not contributed to in the current stage, and in voting their votes left;
- each carries the button that takes the reader where to act: the form of the stage
  (the same ``ActionId`` and form as the prompt's and the reminder's, its ``Ref`` naming
  the channel, since a Home tab is not in the channel) and a link button to the stage's
  prompt in the channel (its permalink) when it is known; in voting and slicing, where
  there is no form to fill, the link alone;
- published maps are listed with a link button to the pinned map;
- at most ``MAX_ACTIVE`` running workshops and ``MAX_MAPS`` maps are shown (the caller
  passes them newest first), so the view stays far under Slack's 100 blocks; what was
  left out is counted, never dropped silently;
- the "Start a workshop" button opens ``start_modal``: a channel picker that does not
  default to the current conversation, and an optional title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    InteractiveElement,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.domain.model import Stage, Workshop
from bot.domain.text import LIMITS
from bot.domain.when import slack_date
from bot.render.blocks import button, context, divider, header, section
from bot.render.ids import (
    ACTIVITIES_ANCHOR,
    HOME_CHANNEL_BLOCK,
    HOME_CHANNEL_INPUT,
    HOME_TITLE_BLOCK,
    HOME_TITLE_INPUT,
    ActionId,
    CallbackId,
    Ref,
)
from bot.render.text import plural, quoted

#: Running workshops shown at most (newest first), and published maps.
MAX_ACTIVE: Final = 20
MAX_MAPS: Final = 10

START_BLOCK: Final = "home_start"

#: What a person adds in each stage that takes contributions.
_NOUNS: Final = {
    Stage.PERSONA: "a persona",
    Stage.ACTIVITIES: "any activities",
    Stage.TASKS: "any tasks",
    Stage.STORIES: "any stories",
}


@dataclass(frozen=True)
class HomeEntry:
    """A workshop as the Home tab lists it, with the links found for it."""

    workshop: Workshop
    #: Permalink of the current stage's prompt (or the board when the stage has none).
    link: str | None = None
    #: A published workshop's pinned map.
    map_link: str | None = None


def home_view(
    user: str,
    active: Sequence[HomeEntry],
    maps: Sequence[HomeEntry],
) -> dict[str, Any]:
    """The Home tab of ``user``: ``active`` and ``maps`` newest first."""
    blocks: list[Block] = [
        header("Story maps"),
        section(
            "Your story-mapping workshops in the channels you are in: what each one needs "
            "from you now, and the maps your teams have published."
        ),
        ActionsBlock(
            block_id=START_BLOCK,
            elements=[
                button("Start a workshop", ActionId.HOME_START, Ref(number=0), "primary"),
            ],
        ),
        divider(),
        header("Running now"),
    ]
    if not active:
        blocks.append(
            section(
                "No workshop is running in the channels you are in. Start one with the "
                "button above, or with `/storymap start` in a channel."
            )
        )
    for n, entry in enumerate(active[:MAX_ACTIVE]):
        blocks += _running(user, entry, n)
    if len(active) > MAX_ACTIVE:
        blocks.append(context(f"…and {plural(len(active) - MAX_ACTIVE, 'more workshop')}."))
    if maps:
        blocks += [divider(), header("Published maps")]
        for n, entry in enumerate(maps[:MAX_MAPS]):
            blocks += _published(entry, n)
        if len(maps) > MAX_MAPS:
            blocks.append(context(f"…and {plural(len(maps) - MAX_MAPS, 'more map')}."))
    view = View(type="home", blocks=blocks)
    built: dict[str, Any] = view.to_dict()
    return built


def _running(user: str, entry: HomeEntry, n: int) -> list[Block]:
    w = entry.workshop
    lines = [f"*{quoted(w.title)}* in <#{w.channel_id}>", f"Stage: *{w.stage.label}*"]
    if w.deadline is not None and w.deadline.stage is w.stage:
        then = "moves on by itself" if w.deadline.auto else "the facilitator moves on"
        lines[-1] += f" · deadline {slack_date(w.deadline.at)} ({then})"
    lines.append(todo(w, user))
    elements: list[InteractiveElement] = []
    form = way_in(w)
    if form is not None:
        label, action, ref = form
        elements.append(button(label, action, ref, "primary"))
    if entry.link is not None:
        elements.append(_link(_link_label(w), entry.link, primary=form is None))
    blocks: list[Block] = [section("\n".join(lines))]
    if elements:
        blocks.append(ActionsBlock(block_id=f"home_active_{n}", elements=elements))
    return blocks


def _published(entry: HomeEntry, n: int) -> list[Block]:
    w = entry.workshop
    text = f"*{quoted(w.title)}* in <#{w.channel_id}> · published {slack_date(w.updated_at)}"
    blocks: list[Block] = [section(text)]
    if entry.map_link is not None:
        blocks.append(
            ActionsBlock(block_id=f"home_map_{n}", elements=[_link("Open the map", entry.map_link)])
        )
    return blocks


def todo(w: Workshop, user: str) -> str:
    """What ``user`` has (not) done in the current stage, in one line."""
    if w.stage is Stage.VOTING:
        left, budget = w.votes_left(user), w.settings.vote_budget
        if left <= 0:
            return f"You have used all your {plural(budget, 'vote')}."
        return f"You have *{left} of {budget}* votes left."
    if w.stage is Stage.SLICING:
        if user == w.facilitator:
            return "Draw the release slices, then publish the map."
        return "The facilitator is drawing the release slices."
    noun = _NOUNS.get(w.stage)
    if noun is None:
        return ""
    if user in w.contributed(w.stage):
        return "You have added to this stage. :white_check_mark:"
    if w.stage is Stage.PERSONA and w.persona is not None:
        return "The persona is set; you can still change it."
    return f"You have not added {noun} yet."


def way_in(w: Workshop) -> tuple[str, ActionId, Ref] | None:
    """The form of the current stage, as its button: the one the reminders use."""
    ref = Ref(number=w.number, stage=w.stage, channel=w.channel_id)
    if w.stage is Stage.PERSONA:
        return "Set persona", ActionId.OPEN_PERSONA_MODAL, ref
    if w.stage is Stage.ACTIVITIES:
        anchored = ref.model_copy(update={"anchor": ACTIVITIES_ANCHOR})
        return "Add activities", ActionId.OPEN_ADD_MODAL, anchored
    if w.stage is Stage.TASKS and w.activities:
        activity = min(w.activities, key=lambda a: len(w.tasks_of(a.id)))
        anchored = ref.model_copy(update={"anchor": activity.id})
        return f"Add tasks under {activity.id}", ActionId.OPEN_ADD_MODAL, anchored
    if w.stage is Stage.STORIES and w.tasks:
        task = min(w.tasks, key=lambda t: len(w.stories_of(t.id)))
        anchored = ref.model_copy(update={"anchor": task.id})
        return f"Add stories under {task.id}", ActionId.OPEN_ADD_MODAL, anchored
    return None


def _link_label(w: Workshop) -> str:
    if w.stage is Stage.VOTING:
        return "Vote on the cards"
    if w.stage is Stage.SLICING:
        return "Open the board"
    return "Go to the prompt"


def _link(label: str, url: str, *, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=label),
        action_id=ActionId.HOME_LINK.value,
        url=url,
        style="primary" if primary else None,
    )


def start_modal() -> dict[str, Any]:
    """The "Start a workshop" form: pick a channel (the bot must be in it), name it."""
    picker = ConversationSelectElement(
        action_id=HOME_CHANNEL_INPUT,
        placeholder=PlainTextObject(text="Pick a channel"),
        default_to_current_conversation=False,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
    )
    title = PlainTextInputElement(
        action_id=HOME_TITLE_INPUT,
        max_length=LIMITS["title"],
        placeholder=PlainTextObject(text="Delivery tracking"),
    )
    view = View(
        type="modal",
        callback_id=CallbackId.HOME_START.value,
        title=PlainTextObject(text="Start a workshop"),
        submit=PlainTextObject(text="Start"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            section(
                "The workshop runs in the channel you pick, where your team works. Invite "
                "me there first (`/invite @storymap`)."
            ),
            InputBlock(
                block_id=HOME_CHANNEL_BLOCK,
                label=PlainTextObject(text="Channel"),
                element=picker,
            ),
            InputBlock(
                block_id=HOME_TITLE_BLOCK,
                label=PlainTextObject(text="Title"),
                element=title,
                optional=True,
            ),
        ],
    )
    built: dict[str, Any] = view.to_dict()
    return built
