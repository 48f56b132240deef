"""The release-slicing modal: the map to look at, and release slots pre-filled with a suggestion.

Rules kept:
- the top of the modal lists the stories by activity and task in priority order, with
  ids and votes; it is capped (``LISTING_CHARS``) with a note saying how many are not
  listed, since a modal holds 100 blocks: the full map is on the story cards and in
  the published map;
- each release slot is a name input, a stories input and an optional outcome input
  (what the release is for). With at most 100 stories (a
  Slack select offers at most 100 options) the stories input is a multi-select grouped
  by activity; beyond that it is a text input of ids (``S1 S4 S9``);
- slots: one per existing release plus an empty one, at least ``DEFAULT_SLOTS``, at most
  ``MAX_SLOTS`` (a modal holds 100 blocks: three per slot, and at most 12 for the
  introduction, the listing and a warning). Saving the form replaces every release, so
  when the form cannot hold them all (more releases than slots, or more ids than a
  3,000-character field) it says so and points to ``/storymap slice``;
- the suggestion: the existing slices if there are any, else Release 1 "Walking
  skeleton" made of the top story of each task (the thinnest slice through the whole
  backbone, as story mapping teaches).
"""

from __future__ import annotations

from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    InteractiveElement,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
)

from bot.domain.model import Workshop
from bot.domain.text import LIMITS
from bot.render.blocks import context, divider, modal, section, sections
from bot.render.ids import (
    RELEASE_NAME_INPUT,
    RELEASE_OUTCOME_INPUT,
    RELEASE_STORIES_INPUT,
    CallbackId,
    Ref,
    release_name_block,
    release_outcome_block,
    release_stories_block,
)
from bot.render.index import MapIndex, index
from bot.render.text import TIMES, clip, escape, plural

DEFAULT_SLOTS: Final = 4
MAX_SLOTS: Final = 28
MAX_OPTIONS: Final = 100
OPTION_CHARS: Final = 75
LISTING_CHARS: Final = 24_000
#: Slack's most for a plain-text input (and so for a pre-filled list of ids).
IDS_CHARS: Final = 3000
SKELETON: Final = "Walking skeleton"


def suggested_slices(w: Workshop, ix: MapIndex | None = None) -> list[tuple[str, list[str], str]]:
    """Existing slices (name, story ids, outcome), else a walking skeleton of the top
    story of each task."""
    if w.slices:
        return [(r.name, list(r.story_ids), r.outcome) for r in w.slices]
    ix = ix or index(w)
    top = [ix.stories_of[t.id][0].id for t in w.tasks if ix.stories_of.get(t.id)]
    return [(SKELETON, top, "")] if top else []


def slicing_modal(w: Workshop, ref: Ref) -> dict[str, Any]:
    ix = index(w)
    suggestion = suggested_slices(w, ix)
    slots = min(MAX_SLOTS, max(DEFAULT_SLOTS, len(suggestion) + 1))
    options = _options(w, ix) if 0 < len(w.stories) <= MAX_OPTIONS else None
    blocks: list[Block] = [
        section(
            "*Draw release slices.* Release 1 is the smallest thing worth shipping, then "
            "Release 2, and so on. A story goes in one release at most; leave a slot empty "
            "to drop it. Saving replaces every release."
        ),
        *_listing(w, ix),
        divider(),
    ]
    blocks.extend(_cannot_hold(w, suggestion, typed=options is None))
    for n in range(1, slots + 1):
        name, ids, outcome = suggestion[n - 1] if n <= len(suggestion) else ("", [], "")
        blocks.append(_name_input(n, name))
        blocks.append(_stories_input(n, ids, options))
        blocks.append(_outcome_input(n, outcome))
    metadata = ref.in_channel(w.channel_id)
    return modal(CallbackId.SLICING, "Release slices", "Save slices", metadata, blocks)


def _cannot_hold(
    w: Workshop, suggestion: list[tuple[str, list[str], str]], typed: bool
) -> list[Block]:
    """Warnings for existing releases the form cannot hold: saving would drop them."""
    if len(suggestion) > MAX_SLOTS:
        return [
            context(
                f"This map has {len(suggestion)} releases and the form shows {MAX_SLOTS}: "
                "saving it would drop the others. Use `/storymap slice` instead."
            )
        ]
    if w.slices and typed and any(len(" ".join(ids)) > IDS_CHARS for _, ids, _ in suggestion):
        return [
            context(
                "A release has more story ids than a field can hold: saving this form would "
                "drop some. Use `/storymap slice` for that release instead."
            )
        ]
    return []


def _listing(w: Workshop, ix: MapIndex) -> list[Block]:
    emoji = f":{w.settings.vote_emoji}:"
    lines: list[str] = []
    used = 0
    listed = 0
    for activity in w.activities:
        heads = [f"*{activity.id} · {escape(activity.text)}*"]
        for task in ix.tasks_of.get(activity.id, []):
            heads.append(f"▸ _{task.id} · {escape(task.text)}_")
            for story in ix.stories_of.get(task.id, []):
                votes = w.vote_count(story.id)
                tally = f" · {emoji} {TIMES} {votes}" if votes else ""
                line = f"{story.id} · {escape(story.text)}{tally}"
                cost = sum(len(h) + 1 for h in heads) + len(line) + 1
                if used + cost > LISTING_CHARS:
                    return [*sections("\n".join(lines)), context(_unlisted(w, listed))]
                lines.extend(heads)
                lines.append(line)
                heads = []
                used += cost
                listed += 1
    if not lines:
        return [context("There are no stories on the map yet.")]
    return sections("\n".join(lines))


def _unlisted(w: Workshop, listed: int) -> str:
    left = len(w.stories) - listed
    return (
        f"… and {plural(left, 'more story', 'more stories')} not listed here (the form has "
        "room for so much); every story card shows its id."
    )


def _name_input(n: int, name: str) -> InputBlock:
    return InputBlock(
        block_id=release_name_block(n),
        label=PlainTextObject(text=f"Release {n}: name"),
        optional=True,
        element=PlainTextInputElement(
            action_id=RELEASE_NAME_INPUT,
            initial_value=name or None,
            max_length=LIMITS["release"],
            placeholder=PlainTextObject(text="e.g. View map + ETA"),
        ),
    )


def _outcome_input(n: int, outcome: str) -> InputBlock:
    return InputBlock(
        block_id=release_outcome_block(n),
        label=PlainTextObject(text=f"Release {n}: what it is for"),
        optional=True,
        element=PlainTextInputElement(
            action_id=RELEASE_OUTCOME_INPUT,
            initial_value=outcome or None,
            max_length=LIMITS["outcome"],
            placeholder=PlainTextObject(text="e.g. Ops managers see where each truck is"),
        ),
    )


def _stories_input(n: int, ids: list[str], options: dict[str, list[Option]] | None) -> InputBlock:
    element: InteractiveElement
    hint = None
    if options is not None:
        by_id = {o.value: o for group in options.values() for o in group}
        chosen = [by_id[sid] for sid in ids if sid in by_id]
        element = StaticMultiSelectElement(
            action_id=RELEASE_STORIES_INPUT,
            placeholder=PlainTextObject(text="Pick stories"),
            option_groups=[
                OptionGroup(label=PlainTextObject(text=label), options=group)
                for label, group in options.items()
            ],
            initial_options=chosen or None,
        )
    else:
        element = PlainTextInputElement(
            action_id=RELEASE_STORIES_INPUT,
            initial_value=_ids_text(ids) or None,
            max_length=IDS_CHARS,
            placeholder=PlainTextObject(text="S1 S4 S9"),
        )
        hint = PlainTextObject(text="Story ids separated by spaces, e.g. S1 S4 S9.")
    return InputBlock(
        block_id=release_stories_block(n),
        label=PlainTextObject(text=f"Release {n}: stories"),
        optional=True,
        element=element,
        hint=hint,
    )


def _ids_text(ids: list[str]) -> str:
    """The ids that fit a text input; a suggestion longer than that is cut at an id."""
    text = " ".join(ids)
    if len(text) <= IDS_CHARS:
        return text
    return text[: text.rfind(" ", 0, IDS_CHARS + 1)]


def _options(w: Workshop, ix: MapIndex) -> dict[str, list[Option]]:
    """Story options grouped by activity label, in map order and priority order."""
    groups: dict[str, list[Option]] = {}
    for activity in w.activities:
        group = [
            Option(text=PlainTextObject(text=clip(f"{s.id} · {s.text}", OPTION_CHARS)), value=s.id)
            for t in ix.tasks_of.get(activity.id, [])
            for s in ix.stories_of.get(t.id, [])
        ]
        if group:
            groups[clip(f"{activity.id} · {activity.text}", OPTION_CHARS)] = group
    return groups
