"""The published map, in the shape of the seed's *Correct* example.

Rules kept:
- order: "Workshop output — Persona: …"; the backbone ``[Plan shipment] → [Assign
  driver] → …`` in narrative order; under each activity its tasks, each with its stories
  in priority order (``Workshop.prioritised``'s order, computed once for all tasks by
  ``bot.render.index``), with ids and votes, and a link to the Slack message an item was
  made from ("Add to story map") when it was; then ``*Release slices agreed:*`` and each
  release as a slice line ``── Release 1: View map + ETA ──``, the outcome it is for
  (when one was given), its stories (id, text, task), and the stories left out of every
  release; when Release 1 leaves backbone activities without a story (it is not a
  walking skeleton, ``skeleton_gaps``), a line under it names them;
- each story appears exactly once in the body (activities → tasks → stories) and once
  in the releases part;
- nothing is ever truncated: a map larger than one message is split over several
  (at most 50 blocks and about 11,000 characters of block text each, a bit under Slack's
  12,000 for its container overhead); the first message carries the header and is the one
  to pin; later ones start with "(continued, 2/3)";
- all user text is escaped;
- a map published again after a reopen edits the messages already posted
  (``retired_page`` for one no longer needed) and posts ``changelog`` in the thread of
  the first: one message, at most ``CHANGELOG_LINES`` lines, the rest counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from bot.domain.model import Workshop
from bot.domain.skeleton import skeleton_gaps
from bot.render.blocks import HEADER_CHARS, context, divider, header, section
from bot.render.from_message import message_link
from bot.render.index import MapIndex, index
from bot.render.message import Message, message
from bot.render.pack import Pager
from bot.render.text import TIMES, clip, escape, mention, plural, quoted

#: Blocks and characters of block text packed per message, leaving room for the
#: "(continued)" line added on top of each later message.
PAGE_BLOCKS: Final = 49
PAGE_CHARS: Final = 11_000
SLICES_HEADING: Final = "*Release slices agreed:*"
#: Changes listed in a changelog (the rest are counted) and the characters kept of each.
CHANGELOG_LINES: Final = 12
CHANGELOG_LINE_CHARS: Final = 200
CHANGELOG_HEADING: Final = "*What changed since the map was last published:*"
#: Slack keeps em spaces at the start of a line (it may fold plain ones): stories sit
#: visibly under their task.
INDENT: Final = "\N{EM SPACE}" * 2


def published_map(w: Workshop) -> list[Message]:
    ix = index(w)
    pager = Pager(PAGE_BLOCKS, PAGE_CHARS)
    title = clip(f"Story map: {w.title}", HEADER_CHARS)
    pager.block(header(title), len(title))
    persona = escape(w.persona.text) if w.persona else "_none_"
    pager.paragraph([f"*Workshop output — Persona:* {persona}"])
    summary = _summary(w)
    pager.block(context(summary), len(summary))
    backbone = " → ".join(f"[{escape(a.text)}]" for a in w.activities) or "_none_"
    pager.paragraph(["*Backbone activities:*", backbone])
    pager.block(divider(), 0)
    for lines in _activities(w, ix):
        pager.paragraph(lines)
    pager.block(divider(), 0)
    pager.paragraph([SLICES_HEADING])
    for lines in _releases(w, ix):
        pager.paragraph(lines)
    return _messages(w, pager)


def _summary(w: Workshop) -> str:
    return " · ".join(
        (
            f"Facilitated by {mention(w.facilitator)}",
            plural(len(w.activities), "activity", "activities"),
            plural(len(w.tasks), "task"),
            plural(len(w.stories), "story", "stories"),
            plural(w.total_votes, "vote"),
            plural(len(w.participants), "participant"),
        )
    )


def _activities(w: Workshop, ix: MapIndex) -> Iterator[list[str]]:
    """One paragraph per activity: its tasks, each with its stories by priority."""
    emoji = f":{w.settings.vote_emoji}:"
    for activity in w.activities:
        lines = [f"*{activity.id} · {escape(activity.text)}*{_linked(activity.link)}"]
        tasks = ix.tasks_of.get(activity.id, [])
        if not tasks:
            lines.append("_no tasks_")
        for task in tasks:
            lines.append(f"▸ *{task.id} · {escape(task.text)}*{_linked(task.link)}")
            stories = ix.stories_of.get(task.id, [])
            if not stories:
                lines.append(f"{INDENT}_no stories_")
            for rank, story in enumerate(stories, 1):
                votes = w.vote_count(story.id)
                tally = f" · {emoji} {TIMES} {votes}" if votes else ""
                line = f"{INDENT}{rank}. {story.id} · {escape(story.text)}{tally}"
                lines.append(line + _linked(story.link))
        yield lines


def _linked(url: str | None) -> str:
    """`` · <url|from a message>`` for an item made from a Slack message, else nothing."""
    link = message_link(url)
    return f" · {link}" if link else ""


def _releases(w: Workshop, ix: MapIndex) -> Iterator[list[str]]:
    """One paragraph per release slice, then the stories in none."""
    gaps = skeleton_gaps(w)
    for n, release in enumerate(w.slices, 1):
        lines = [f"── Release {n}: {escape(release.name)} ──"]
        if release.outcome:
            lines.append(f"_For: {escape(release.outcome)}_")
        if n == 1 and gaps:
            named = ", ".join(f"{a.id} {quoted(a.text)}" for a in gaps)
            lines.append(f":warning: _Not a walking skeleton: no story under {named}._")
        lines.extend(_story_line(ix, sid) for sid in release.story_ids)
        yield lines
    if not w.slices:
        yield ["_No release slices were drawn._"]
    left = [s.id for t in w.tasks for s in ix.stories_of.get(t.id, []) if s.id not in ix.release_of]
    if left:
        yield ["── Not in a release yet ──", *(_story_line(ix, sid) for sid in left)]


def _story_line(ix: MapIndex, story_id: str) -> str:
    story = ix.story_by_id.get(story_id)
    if story is None:
        return f"• {story_id}"
    task = ix.task_by_id.get(story.task_id)
    where = f" _({task.id} {quoted(task.text)})_" if task else ""
    return f"• {story.id} · {escape(story.text)}{where}"


def _messages(w: Workshop, pager: Pager) -> list[Message]:
    pages = pager.pages()
    total = len(pages)
    name = f"Story map {quoted(w.title)}"
    if total > 1:
        more = plural(total - 1, "more message")
        pages[0] = [*pages[0], section(f"_Continued in {more} below._")]
    persona = escape(w.persona.text) if w.persona else "none"
    out = [message(f"{name}, published. Persona: {persona}", pages[0])]
    for n, page in enumerate(pages[1:], 2):
        label = f"{name} (continued, {n}/{total})"
        out.append(message(label, [context(f"*{label}*"), *page]))
    return out


def changelog(changes: Sequence[str]) -> Message:
    """What changed since the last publish, as a short bulleted list (``changes``: one
    line each, mrkdwn with user text already escaped, as the workshop's history has it)."""
    shown = [f"• {_cut(line, CHANGELOG_LINE_CHARS)}" for line in changes[:CHANGELOG_LINES]]
    more = len(changes) - CHANGELOG_LINES
    if more > 0:
        shown.append(f"… and {plural(more, 'more change')}.")
    text = "\n".join([CHANGELOG_HEADING, *shown])
    return message(f"The map was updated: {plural(len(changes), 'change')}.", [section(text)])


def retired_page() -> Message:
    """A message of an earlier publish that the revised map no longer needs."""
    text = "_This part of the map moved into the messages above when it was revised._"
    return message("This part of the map moved into the messages above.", [section(text)])


def _cut(line: str, limit: int) -> str:
    """``line`` (mrkdwn, already escaped) shortened to ``limit`` characters with an
    ellipsis if needed, never inside an ``&amp;`` entity or a ``<...>`` mention."""
    if len(line) <= limit:
        return line
    head = line[: limit - 1]
    for opener, closer in (("<", ">"), ("&", ";")):
        at = head.rfind(opener)
        if at >= 0 and closer not in head[at:]:
            head = head[:at]
    return head.rstrip() + "…"
