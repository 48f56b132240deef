"""Shaping the map: each new command's rules and messages, on the seed's workshop.

Seed (tests.builders): A1 Plan shipment (T1), A2 Assign driver (T2), A3 Track delivery
(T3 T4 T5 T6), A4 Resolve issues (T7); one story per task, S1..S7, by UDEV; activities
by UBEN, tasks by UCHLOE; UANA facilitates.
"""

from __future__ import annotations

import pytest

from bot.domain import commands as c
from bot.domain.effects import PostMap, RefreshCard, RefreshPrompts, VotesReturned
from bot.domain.errors import NeedsConfirmation, Rejected
from bot.domain.machine import Outcome, apply
from bot.domain.model import Stage, Workshop
from bot.domain.shaping import NOTHING_FROM_REPLY
from tests.builders import FACILITATOR, Clock, workshop_at

AUTHOR = "UDEV"  # wrote every story
OTHER = "UEMI"  # wrote nothing


def act(w: Workshop, command: c.Command, actor: str = FACILITATOR) -> Outcome:
    return apply(w, command, actor, Clock()())


def refused(w: Workshop, command: c.Command, actor: str = FACILITATOR) -> str:
    with pytest.raises(Rejected) as refusal:
        apply(w, command, actor, Clock()())
    return refusal.value.message


def with_stories() -> Workshop:
    """The story-cards stage with the seed's stories in (voting, one step back)."""
    return act(workshop_at(Stage.VOTING), c.Back()).state


def voted(stage: Stage = Stage.VOTING) -> Workshop:
    """Voting, with UBEN and UCHLOE on S4 and UBEN on S1."""
    w = workshop_at(Stage.VOTING)
    for voter, story in (("UBEN", "S4"), ("UCHLOE", "S4"), ("UBEN", "S1")):
        w = act(w, c.CastVote(story_id=story), voter).state
    return w


# ----- rename -----------------------------------------------------------------------


def test_the_author_or_the_facilitator_renames_anyone_else_is_told_who_can() -> None:
    w = with_stories()
    w = act(w, c.AddStory(task_id="T3", text="See the van on a map"), AUTHOR).state
    by_author = act(w, c.Rename(item_id="s8", text="See the driver on a map"), AUTHOR)
    assert by_author.state.story("S8").text == "See the driver on a map"  # type: ignore[union-attr]
    assert by_author.reply == "Renamed S8 “See the van on a map” to “See the driver on a map”."
    assert act(w, c.Rename(item_id="A1", text="Plan the shipment")).state.activities[0].text == (
        "Plan the shipment"
    )
    assert refused(w, c.Rename(item_id="S1", text="Mine now"), OTHER) == (
        "Only <@UDEV> (who added S1) or <@UANA> (facilitator) can rename it."
    )


def test_rename_refuses_a_sibling_duplicate_the_same_words_and_unknown_ids() -> None:
    w = workshop_at(Stage.VOTING)
    assert refused(w, c.Rename(item_id="T4", text="view REAL-TIME map")) == (
        "“view REAL-TIME map” is already on the map under A3 as T3."
    )
    assert refused(w, c.Rename(item_id="T3", text="View real-time map")) == (
        "T3 already says “View real-time map”."
    )
    assert refused(w, c.Rename(item_id="S99", text="x")) == "S99 does not exist in this workshop."
    assert refused(w, c.Rename(item_id="hello", text="x")).startswith("hello is not an item id")


def test_renaming_a_story_during_voting_refreshes_its_card_and_keeps_its_votes() -> None:
    w = voted()
    out = act(w, c.Rename(item_id="S4", text="ETA on the map"))
    assert RefreshCard(story_id="S4") in out.effects
    assert out.state.votes["S4"] == ("UBEN", "UCHLOE")


# ----- remove -----------------------------------------------------------------------


def test_removing_an_activity_with_children_asks_then_removes_them_all() -> None:
    w = voted()
    with pytest.raises(NeedsConfirmation) as ask:
        act(w, c.Remove(item_id="A3"))
    assert ask.value.message == (
        "A3 “Track delivery” has 4 tasks and 4 stories under it. Remove A3 and all of them?"
    )
    assert ask.value.command == c.Remove(item_id="A3", confirmed=True)
    out = act(w, ask.value.command)
    assert [a.id for a in out.state.activities] == ["A1", "A2", "A4"]
    assert [t.id for t in out.state.tasks] == ["T1", "T2", "T7"]
    assert [s.id for s in out.state.stories] == ["S1", "S2", "S7"]
    assert "S4" not in out.state.votes
    assert out.state.votes_left("UCHLOE") == out.state.settings.vote_budget
    assert (
        VotesReturned(
            story_id="S4", text="Story for See estimated arrival time", voters=("UBEN", "UCHLOE")
        )
        in out.effects
    )
    assert out.reply.endswith("2 votes went back to the voters.")


def test_a_removed_story_leaves_priorities_and_slices_and_an_emptied_release_goes() -> None:
    w = workshop_at(Stage.SLICING)
    w = act(w, c.OrderStories(task_id="T3", story_ids=("S3",))).state
    w = act(w, c.DefineSlice(name="Map", story_ids=("S3",))).state
    w = act(w, c.DefineSlice(name="Later", story_ids=("S4", "S5"))).state
    w = act(w, c.Remove(item_id="S3"), AUTHOR).state
    assert w.story_order == {}
    assert [(r.name, r.story_ids) for r in w.slices] == [("Later", ("S4", "S5"))]
    assert w.counters.S == 7  # S3 stays gone: the next story is S8
    assert refused(w, c.Remove(item_id="S3")) == "S3 does not exist in this workshop."


def test_only_the_author_or_the_facilitator_removes() -> None:
    w = workshop_at(Stage.STORIES)
    assert refused(w, c.Remove(item_id="A1"), OTHER) == (
        "Only <@UBEN> (who added A1) or <@UANA> (facilitator) can remove it."
    )


# ----- move and order ---------------------------------------------------------------------


def test_a_story_moves_to_another_task_with_its_votes() -> None:
    w = voted()
    w = act(w, c.OrderStories(task_id="T4", story_ids=("S4",))).state
    out = act(w, c.Move(item_id="S4", to_id="T3"), AUTHOR)
    assert out.state.story("S4").task_id == "T3"  # type: ignore[union-attr]
    assert out.state.votes["S4"] == ("UBEN", "UCHLOE")
    assert out.state.story_order == {}
    assert out.reply.endswith("Its votes stay with it.")


def test_a_task_moves_last_under_another_activity() -> None:
    w = workshop_at(Stage.STORIES)
    out = act(w, c.Move(item_id="T1", to_id="A3"))
    assert [t.id for t in out.state.tasks_of("A3")] == ["T3", "T4", "T5", "T6", "T1"]
    assert out.state.tasks_of("A1") == ()


def test_move_refuses_wrong_targets_with_how_to() -> None:
    w = workshop_at(Stage.STORIES)
    assert refused(w, c.Move(item_id="T1", to_id="T2")) == (
        "A task moves under an activity (A1): `/storymap move T1 A2`."
    )
    assert refused(w, c.Move(item_id="T3", to_id="A3")) == "T3 is already under A3."
    assert refused(w, c.Move(item_id="A1", to_id="A2")).startswith(
        "Activities are not moved under anything"
    )


def test_the_facilitator_orders_the_backbone_and_the_tasks_under_an_activity() -> None:
    w = workshop_at(Stage.TASKS)
    out = act(w, c.OrderActivities(activity_ids=("A3", "a1")))
    assert [a.id for a in out.state.activities] == ["A3", "A1", "A2", "A4"]
    assert out.reply == "Backbone, left to right: A3 > A1 > A2 > A4."
    assert refused(w, c.OrderActivities(activity_ids=("A1",)), "UBEN") == (
        "Only <@UANA> (facilitator) can order the backbone."
    )
    assert refused(w, c.OrderActivities(activity_ids=("A1", "A1"))) == "A1 is listed twice."
    s = workshop_at(Stage.STORIES)
    tasks = act(s, c.OrderTasks(activity_id="A3", task_ids=("T6", "T4"))).state
    assert [t.id for t in tasks.tasks_of("A3")] == ["T6", "T4", "T3", "T5"]
    assert refused(s, c.OrderTasks(activity_id="A3", task_ids=("T1",))) == (
        "T1 is not under A3; it belongs to A1."
    )


def test_ordering_stories_during_voting_says_it_changes_what_people_see() -> None:
    out = act(voted(), c.OrderStories(task_id="T3", story_ids=("S3",)))
    assert out.reply.endswith("Votes stay as they are; this changes the priority everyone sees.")


# ----- split ----------------------------------------------------------------------------


def test_a_split_story_goes_its_parts_take_its_place_and_new_ids() -> None:
    w = workshop_at(Stage.SLICING)
    w = act(w, c.OrderStories(task_id="T3", story_ids=("S3",))).state
    w = act(w, c.DefineSlice(name="Map", story_ids=("S3", "S4"))).state
    out = act(w, c.Split(story_id="S3", texts=("Show the van", " ", "Show the route")), AUTHOR)
    assert [s.id for s in out.state.stories_of("T3")] == ["S8", "S9"]
    assert out.state.slices[0].story_ids == ("S8", "S9", "S4")
    assert out.state.story_order["T3"] == ("S8", "S9")
    assert (
        out.reply
        == "Split S3 “Story for View real-time map” into S8 “Show the van”, S9 “Show the route”."
    )


def test_split_needs_two_parts_is_refused_during_voting_and_returns_votes_later() -> None:
    w = with_stories()
    assert refused(w, c.Split(story_id="S1", texts=("only one",))).startswith(
        "A split needs at least two parts"
    )
    assert "Stories are split in the Story cards or Release slices stages" in refused(
        voted(), c.Split(story_id="S4", texts=("a", "b"))
    )
    slicing = act(voted(), c.Next()).state
    out = act(slicing, c.Split(story_id="S4", texts=("ETA", "ETA by SMS")))
    assert any(isinstance(e, VotesReturned) and e.story_id == "S4" for e in out.effects)
    assert "S4" not in out.state.votes


# ----- undo and history -------------------------------------------------------------------


def test_undo_takes_back_your_own_last_change_and_the_facilitator_the_last_of_all() -> None:
    w = with_stories()
    w = act(w, c.Rename(item_id="S1", text="Type the address"), AUTHOR).state
    w = act(w, c.Rename(item_id="A2", text="Choose a driver"), "UBEN").state
    mine = act(w, c.Undo(), AUTHOR)
    assert mine.state.story("S1").text == "Story for Enter pickup and drop-off"  # type: ignore[union-attr]
    assert mine.state.activity("A2").text == "Choose a driver"  # type: ignore[union-attr]
    assert mine.reply.startswith("Undone #")
    theirs = act(w, c.Undo())
    assert theirs.state.activity("A2").text == "Assign driver"  # type: ignore[union-attr]
    assert refused(w, c.Undo(), OTHER) == "You have no change to the map left to undo."


def test_undo_is_refused_when_a_later_change_touched_the_same_item() -> None:
    w = with_stories()
    w = act(w, c.Rename(item_id="S1", text="Type the address"), AUTHOR).state
    w = act(w, c.Rename(item_id="S1", text="Type the pickup address")).state
    message = refused(w, c.Undo(), AUTHOR)
    assert "S1 changed since" in message
    assert "by <@UANA>" in message
    assert message.endswith("Undo that first.")


def test_undo_of_an_add_is_refused_while_things_were_added_under_it() -> None:
    w = workshop_at(Stage.TASKS)
    w = act(w, c.Back()).state
    w = act(w, c.AddActivity(text="Invoice customer"), "UBEN").state
    w = act(w, c.Next()).state
    w = act(w, c.AddTask(activity_id="A5", text="Send the invoice"), "UCHLOE").state
    message = refused(w, c.Undo(), "UBEN")
    assert message.endswith("T1 was added under A5 since. Remove it first.")


def test_an_undone_removal_comes_back_in_place_and_history_says_who_undid_it() -> None:
    w = workshop_at(Stage.STORIES)
    before = w
    w = act(w, c.Remove(item_id="A3", confirmed=True)).state
    w = act(w, c.Undo()).state
    assert w.activities == before.activities
    assert w.tasks == before.tasks
    removal, undo = w.history[-2], w.history[-1]
    assert removal.undone_by == undo.seq
    assert undo.kind == "undo"
    assert not undo.undoable


def test_history_is_bounded_and_numbers_keep_growing() -> None:
    w = workshop_at(Stage.ACTIVITIES)
    for n in range(205):
        w = act(w, c.SetPersona(text=f"Persona {n}")).state
    assert len(w.history) == 200
    assert w.history[-1].seq == w.changes_made == w.history[0].seq + 199


# ----- thread replies -------------------------------------------------------------------


def _from_reply() -> Workshop:
    w = with_stories()
    for text in ("Scan the parcel", "Print the label"):
        w = act(w, c.AddStory(task_id="T1", text=text, source="171.000200"), AUTHOR).state
    return w


def test_an_edited_reply_renames_what_it_added_line_for_line() -> None:
    w = _from_reply()
    out = act(
        w, c.EditReply(source="171.000200", lines=("Scan the parcel", "Print a label")), AUTHOR
    )
    assert out.state.story("S9").text == "Print a label"  # type: ignore[union-attr]
    assert out.reply == "Renamed S9 “Print the label” to “Print a label”."


def test_an_edit_with_other_lines_changes_nothing_and_says_why() -> None:
    w = _from_reply()
    assert refused(w, c.EditReply(source="171.000200", lines=("a", "b", "c")), AUTHOR) == (
        "Your edited reply has 3 lines but it added 2 items (S8 S9), so nothing was changed. "
        "Rename one with `/storymap rename S8 <new words>`, or add more in a new reply."
    )
    assert refused(w, c.EditReply(source="999.1", lines=("a",)), AUTHOR) == NOTHING_FROM_REPLY


def test_a_deleted_reply_removes_what_it_added() -> None:
    w = _from_reply()
    out = act(w, c.DeleteReply(source="171.000200"), AUTHOR)
    assert [s.id for s in out.state.stories_of("T1")] == ["S1"]
    assert out.reply.startswith("Your reply was deleted, so S8 “Scan the parcel”")


# ----- reopen and publish again ---------------------------------------------------------


def test_reopen_goes_back_to_slicing_and_publishing_again_carries_a_changelog() -> None:
    published = workshop_at(Stage.PUBLISHED)
    first = next(
        e
        for e in act(act(published, c.Reopen()).state, c.Publish(confirmed=True)).effects
        if isinstance(e, PostMap)
    )
    assert first.changes == ()  # nothing changed between the two
    assert refused(published, c.Reopen(), "UBEN") == (
        "Only <@UANA> (facilitator) can reopen the map."
    )
    reopened = act(published, c.Reopen())
    assert reopened.state.stage is Stage.SLICING
    w = act(reopened.state, c.Rename(item_id="S4", text="ETA on the map"), AUTHOR).state
    again = act(w, c.Publish(confirmed=True))
    post = next(e for e in again.effects if isinstance(e, PostMap))
    assert post.changes == (
        "Renamed S4 “Story for See estimated arrival time” to “ETA on the map”.",
    )
    assert again.reply.startswith("Published again")
    assert refused(workshop_at(Stage.SLICING), c.Reopen()) == (
        "Only a published map can be reopened; the workshop is at Release slices."
    )


def test_shaping_refreshes_the_prompts_that_show_the_items_it_changed() -> None:
    w = with_stories()
    renamed = act(w, c.Rename(item_id="T3", text="Live map"))
    assert RefreshPrompts(anchors=("A3", "T3")) in renamed.effects
    moved = act(w, c.Move(item_id="S3", to_id="T4"))
    assert RefreshPrompts(anchors=("T3", "T4")) in moved.effects
    removed = act(w, c.Remove(item_id="A1", confirmed=True))
    assert RefreshPrompts(anchors=("-", "A1", "T1")) in removed.effects
    # An added item refreshes what lists its parent's children (the stage's prompt).
    added = act(w, c.AddStory(task_id="T3", text="Zoom in"), AUTHOR)
    assert [e for e in added.effects if isinstance(e, RefreshPrompts)] == [
        RefreshPrompts(anchors=("T3",))
    ]
