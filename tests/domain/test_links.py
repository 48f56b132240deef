"""Items made from a Slack message keep a link to it, through undo, rename and split; an
item without one is stored exactly as before the field existed (so history digests
recorded earlier still match)."""

from __future__ import annotations

from bot.domain import commands as c
from bot.domain.history import digest
from bot.domain.model import Stage, Story
from tests.builders import PARTICIPANTS, Clock, run, workshop_at

LINK = "https://acme.slack.com/archives/C1/p1700000000000100"


def test_each_kind_of_item_keeps_the_link_it_was_added_with() -> None:
    w = run(workshop_at(Stage.ACTIVITIES), c.AddActivity(text="Plan", link=LINK))
    assert w.activities[-1].link == LINK
    w = run(workshop_at(Stage.TASKS), c.AddTask(activity_id="A1", text="Pick", link=LINK))
    assert w.tasks[-1].link == LINK
    w = run(workshop_at(Stage.STORIES), c.AddStory(task_id="T1", text="See it", link=LINK))
    assert w.stories[-1].link == LINK
    # And survives the store's round trip.
    assert type(w).model_validate_json(w.model_dump_json()).stories[-1].link == LINK


def test_an_item_without_a_link_serialises_as_it_always_did() -> None:
    story = workshop_at(Stage.VOTING).stories[0]
    assert story.link is None
    assert "link" not in story.model_dump_json()
    # A digest recorded before the field existed still matches the item.
    before = story.model_dump_json(exclude={"link"})
    assert digest(story.model_dump_json()) == digest(before)
    linked = story.model_copy(update={"link": LINK})
    assert f'"link":"{LINK}"' in linked.model_dump_json()


def test_undo_takes_back_a_linked_add_and_a_rename_keeps_the_link() -> None:
    clock = Clock()
    w = workshop_at(Stage.STORIES)
    actor = PARTICIPANTS[1]
    added = run(w, c.AddStory(task_id="T1", text="From chat", link=LINK), actor, clock)
    story = added.stories[-1]
    renamed = run(added, c.Rename(item_id=story.id, text="From the chat"), actor, clock)
    assert renamed.story(story.id) == story.model_copy(update={"text": "From the chat"})
    back = run(renamed, c.Undo(), actor, clock)
    restored = back.story(story.id)
    assert restored is not None
    assert (restored.link, restored.text) == (LINK, "From chat")
    gone = run(back, c.Undo(), actor, clock)
    assert gone.story(story.id) is None


def test_the_parts_of_a_split_story_keep_its_link() -> None:
    clock = Clock()
    w = run(workshop_at(Stage.STORIES), c.AddStory(task_id="T1", text="A and B", link=LINK))
    story = w.stories[-1]
    split = run(w, c.Split(story_id=story.id, texts=("A", "B")), clock=clock)
    parts = [s for s in split.stories if s.text in ("A", "B")]
    assert [s.link for s in parts] == [LINK, LINK]
    assert all(isinstance(s, Story) for s in parts)
