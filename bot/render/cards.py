"""Story cards: during voting each story is its own message, and reactions on it are votes
(emoji voting) or its Vote / Unvote buttons are (blind voting).

Rules kept: a card names its story (``S12 · text``), where it sits on the map (task and
activity), its current vote count and how to vote with the workshop's emoji or buttons;
in blind voting the count is hidden until voting is closed (``Workshop.counts_hidden``),
and the card says so instead; once voting is over the card says so instead of inviting
votes; a story made from a Slack message links to it (``message_link``). It never
mentions voters (a card is
refreshed on every vote; mentions would notify people each time). While the workshop is
open, the card's menu renames, splits, moves or removes its story (``bot.render.menus``).
"""

from __future__ import annotations

from typing import Final

from slack_sdk.models.blocks import Block, SectionBlock

from bot.domain.model import Stage, VotingMode, Workshop
from bot.render.blocks import actions, button, context, sections
from bot.render.from_message import message_link
from bot.render.ids import ActionId, Ref
from bot.render.index import MapIndex, index
from bot.render.menus import card_menu
from bot.render.message import Message, message
from bot.render.text import TIMES, escape, plural, quoted

#: The block of a blind-voting card's Vote / Unvote buttons.
VOTE_BLOCK: Final = "vote"


def story_card(w: Workshop, story_id: str, ix: MapIndex | None = None) -> Message:
    """``ix``, when given, saves a scan of the workshop per card (voting posts them all)."""
    ix = ix or index(w)
    story = ix.story_by_id.get(story_id)
    if story is None:
        raise ValueError(f"{story_id} is not a story of this workshop")
    task = ix.task_by_id.get(story.task_id)
    activity = ix.activity_by_id.get(task.activity_id) if task else None
    where = " · ".join(
        f"{item.id} {quoted(item.text)}" for item in (task, activity) if item is not None
    )
    body = sections(f"*{story.id}* · {escape(story.text)}")
    menu = card_menu(w, story)
    if menu is not None and isinstance(body[0], SectionBlock):
        body[0] = SectionBlock(text=body[0].text, accessory=menu)
    link = message_link(story.link)
    under = f"Under {where}  ·  {link}" if link else f"Under {where}"
    blocks: list[Block] = [*body, context(under)]
    if w.settings.voting_mode is VotingMode.BLIND:
        return _blind(w, story.id, story.text, blocks)
    emoji = f":{w.settings.vote_emoji}:"
    votes = w.vote_count(story.id)
    if w.stage is Stage.VOTING:
        how = f"React with {emoji} to vote; remove your reaction to take the vote back."
    else:
        how = "Voting is closed."
    blocks.append(context(f"{emoji} {TIMES} {votes}  ·  {how}"))
    return message(f"{story.id} · {escape(story.text)} ({plural(votes, 'vote')})", blocks)


def _blind(w: Workshop, story_id: str, text: str, blocks: list[Block]) -> Message:
    """A card of blind voting: Vote / Unvote while voting, no count until it closes."""
    if w.counts_hidden:
        tally = "Votes are hidden until the facilitator closes voting."
        fallback = f"{story_id} · {escape(text)}"
    else:
        votes = w.vote_count(story_id)
        tally = plural(votes, "vote")
        fallback = f"{story_id} · {escape(text)} ({tally})"
    if w.stage is Stage.VOTING:
        ref = Ref(number=w.number, anchor=story_id)
        cap = w.settings.vote_cap
        most = f" (at most {cap} on one card)" if cap > 1 else ""
        how = f"Vote with the buttons; only you see your votes{most}."
        blocks.append(
            actions(
                VOTE_BLOCK,
                [
                    button("Vote", ActionId.VOTE, ref, "primary"),
                    button("Unvote", ActionId.UNVOTE, ref),
                ],
            )
        )
        blocks.append(context(f"{tally}  ·  {how}"))
    else:
        blocks.append(context(f"{tally}  ·  Voting is closed."))
    return message(fallback, blocks)


def removed_card(story_id: str) -> Message:
    """The card of a story that left the map (removed, or split into new stories): it
    says so, with no vote count and no invitation to vote."""
    what = "was removed from the map; any votes on it went back to their voters."
    return message(f"{escape(story_id)} {what}", sections(f"*{escape(story_id)}* {what}"))


def vote_returned(story_id: str, text: str, *, voting: bool, count: int = 1) -> str:
    """The one line each voter of a story that left the map is told (ephemeral);
    ``voting``: the votes can be cast again now; ``count``: the voter's votes on it."""
    if count == 1:
        again = " You can cast it on another story." if voting else ""
        what = "Your vote"
    else:
        again = " You can cast them on other stories." if voting else ""
        what = f"Your {count} votes"
    return (
        f"{what} on {escape(story_id)} {quoted(text)} came back to you: it was removed "
        f"from the map.{again}"
    )
