"""Story cards: during voting each story is its own message, and reactions on it are votes.

Rules kept: a card names its story (``S12 · text``), where it sits on the map (task and
activity), its current vote count and how to vote with the workshop's emoji; once voting
is over the card says so instead of inviting votes. It never mentions voters (a card is
refreshed on every vote; mentions would notify people each time). While the workshop is
open, the card's menu renames, splits, moves or removes its story (``bot.render.menus``).
A story removed since its card was posted leaves a card saying so, with no votes and
no menu (ids are never reused, so the card can never name another story).
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.domain.model import Stage, Workshop
from bot.render.blocks import context, sections
from bot.render.index import MapIndex, index
from bot.render.menus import card_menu
from bot.render.message import Message, message
from bot.render.text import TIMES, escape, plural, quoted


def story_card(w: Workshop, story_id: str, ix: MapIndex | None = None) -> Message:
    """``ix``, when given, saves a scan of the workshop per card (voting posts them all)."""
    ix = ix or index(w)
    story = ix.story_by_id.get(story_id)
    if story is None:
        return removed_card(story_id)
    task = ix.task_by_id.get(story.task_id)
    activity = ix.activity_by_id.get(task.activity_id) if task else None
    where = " · ".join(
        f"{item.id} {quoted(item.text)}" for item in (task, activity) if item is not None
    )
    emoji = f":{w.settings.vote_emoji}:"
    votes = w.vote_count(story.id)
    if w.stage is Stage.VOTING:
        how = f"React with {emoji} to vote; remove your reaction to take the vote back."
    else:
        how = "Voting is closed."
    body = sections(f"*{story.id}* · {escape(story.text)}")
    menu = card_menu(w, story)
    if menu is not None and isinstance(body[0], SectionBlock):
        body[0] = SectionBlock(text=body[0].text, accessory=menu)
    blocks = [*body, context(f"Under {where}"), context(f"{emoji} {TIMES} {votes}  ·  {how}")]
    return message(f"{story.id} · {escape(story.text)} ({plural(votes, 'vote')})", blocks)


def removed_card(story_id: str) -> Message:
    """The card of a story that is no longer on the map."""
    shown = escape(story_id)
    text = f"{shown} was removed from the map."
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{shown}* was removed from the map."))
    ]
    blocks.append(context("Its votes, if any, went back to the voters."))
    return message(text, blocks)
