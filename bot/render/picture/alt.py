"""The map in words, for screen readers: the picture's alt text.

Slack refuses an image description longer than 1,000 characters
(``files.getUploadURLExternal``'s ``alt_txt``: ``alt_txt_too_large``), so the text is
built at the most detail that fits: every story under its task first; if that is too
long, the tasks with how many stories each; then only the activities; the releases with
their outcomes are kept at every level. If even the shortest form is too long, it is cut
at the limit with an ellipsis that says the pinned map has it all.
"""

from __future__ import annotations

from typing import Final

from bot.domain.model import Workshop
from bot.domain.skeleton import skeleton_gaps

#: Slack's limit on an image description, in characters.
ALT_TEXT_LIMIT: Final = 1000
CUT: Final = "… (cut; the pinned map lists everything)"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _head(w: Workshop) -> list[str]:
    lines = [f"Story map: {w.title}."]
    if w.persona is not None:
        lines.append(f"For: {w.persona.text}.")
    lines.append(
        f"{_count(len(w.activities), 'activity', 'activities')}, "
        f"{_count(len(w.tasks), 'task', 'tasks')}, "
        f"{_count(len(w.stories), 'story', 'stories')}, "
        f"{_count(len(w.slices), 'release', 'releases')}."
    )
    return lines


def _backbone(w: Workshop, detail: int) -> list[str]:
    """detail 2: stories under tasks; 1: tasks with story counts; 0: activities only."""
    lines: list[str] = []
    for n, activity in enumerate(w.activities, start=1):
        tasks = w.tasks_of(activity.id)
        if detail == 0:
            lines.append(f"Activity {n}: {activity.text} ({_count(len(tasks), 'task', 'tasks')}).")
            continue
        lines.append(f"Activity {n}: {activity.text}.")
        for task in tasks:
            stories = w.prioritised(task.id)
            if detail == 1:
                lines.append(f"Task {task.text}: {_count(len(stories), 'story', 'stories')}.")
                continue
            named = "; ".join(
                f"{s.text} ({_count(w.vote_count(s.id), 'vote', 'votes')})" for s in stories
            )
            lines.append(f"Task {task.text}: {named or 'no stories'}.")
    return lines


def _releases(w: Workshop, named: bool) -> list[str]:
    lines: list[str] = []
    for n, release in enumerate(w.slices, start=1):
        line = f"Release {n}, {release.name}"
        if release.outcome:
            line += f", for: {release.outcome}"
        if named:
            texts = [s.text for sid in release.story_ids if (s := w.story(sid)) is not None]
            line += f": {'; '.join(texts) or 'no stories'}"
        else:
            line += f": {_count(len(release.story_ids), 'story', 'stories')}"
        lines.append(line + ".")
    gaps = skeleton_gaps(w)
    if gaps:
        lines.append("Release 1 has no story for: " + ", ".join(a.text for a in gaps) + ".")
    return lines


def alt_text(w: Workshop) -> str:
    """``w``'s map in words, at most ``ALT_TEXT_LIMIT`` characters."""
    head = _head(w)
    for detail, named in ((2, True), (2, False), (1, True), (1, False), (0, False)):
        text = " ".join([*head, *_backbone(w, detail), *_releases(w, named)])
        if len(text) <= ALT_TEXT_LIMIT:
            return text
    return text[: ALT_TEXT_LIMIT - len(CUT)].rstrip() + CUT
