"""The service keeps thread replies and what they added in sync, against a real server.

A reply's items remember its ``ts``; editing the reply renames them, deleting it removes
them; a message that added nothing is passed over (None: nothing said, nothing done).
"""

from __future__ import annotations

import threading
import time

import pytest
import redis

from bot.domain import commands as c
from bot.domain.model import Workshop
from bot.service import WorkshopService, item_command
from bot.slack.refs import Refs, prompt_name
from bot.store.workshops import WorkshopStore
from tests.builders import SEED_PERSONA

pytestmark = pytest.mark.store
C = "CREPLIES"
PROMPT_TS = "1700000000.000100"
REPLY_TS = "1700000001.000200"
OTHER_TS = "1700000002.000300"


def test_an_item_from_a_reply_carries_the_replys_ts() -> None:
    assert item_command(None, "Plan", source=REPLY_TS) == c.AddActivity(
        text="Plan", source=REPLY_TS
    )
    assert item_command("A1", "Map", source=REPLY_TS) == c.AddTask(
        activity_id="A1", text="Map", source=REPLY_TS
    )
    assert item_command("T2", "Zoom", source=REPLY_TS) == c.AddStory(
        task_id="T2", text="Zoom", source=REPLY_TS
    )
    assert item_command("T2", "Zoom") == c.AddStory(task_id="T2", text="Zoom")


def at_activities(
    redis_client: redis.Redis, team_id: str, *, recorded: bool = True
) -> WorkshopService:
    """A workshop at the activities stage, its prompt posted as ``PROMPT_TS`` (when
    ``recorded``)."""
    service = WorkshopService(WorkshopStore(redis_client))
    steps: list[tuple[str, c.Command]] = [
        ("UANA", c.Start(team_id=team_id, channel_id=C, title="Tracking")),
        ("UBEN", c.SetPersona(text=SEED_PERSONA)),
        ("UANA", c.Next()),
    ]
    for actor, command in steps:
        assert service.handle(team_id, C, actor, command).ok
    if recorded:
        Refs(redis_client, team_id, C, workshop(service, team_id).number).set(
            prompt_name("activities", None), PROMPT_TS
        )
    return service


def workshop(service: WorkshopService, team_id: str) -> Workshop:
    found = service.store.load(team_id, C)
    assert found is not None
    return found


def test_a_message_that_added_nothing_is_passed_over(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = at_activities(redis_client, team_id)
    before = workshop(service, team_id)
    # A reply in a thread that is not a prompt, then one in the prompt's thread that
    # added nothing: no answer, no change.
    assert service.edit_reply(team_id, C, "UBEN", OTHER_TS, REPLY_TS, lines=["X"]) is None
    assert service.delete_reply(team_id, C, "UBEN", OTHER_TS, REPLY_TS) is None
    assert service.edit_reply(team_id, C, "UBEN", PROMPT_TS, REPLY_TS, lines=["X"]) is None
    assert service.delete_reply(team_id, C, "UBEN", PROMPT_TS, REPLY_TS) is None
    assert workshop(service, team_id) == before
    # No workshop in the channel at all: likewise.
    assert service.edit_reply("TNONE", C, "UBEN", PROMPT_TS, REPLY_TS, lines=["X"]) is None


def test_a_replys_items_remember_it_and_follow_its_edit_and_deletion(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = at_activities(redis_client, team_id)
    added = service.reply_in_thread(
        team_id, C, "UBEN", PROMPT_TS, ["Plan shipmnt", "Asign driver"], source=REPLY_TS
    )
    assert added is not None
    assert added.ok, added.text
    other = service.reply_in_thread(team_id, C, "UCHLOE", PROMPT_TS, ["Track"], source=OTHER_TS)
    assert other is not None
    assert other.ok, other.text
    sources = [(a.id, a.text, a.source) for a in workshop(service, team_id).activities]
    assert sources == [
        ("A1", "Plan shipmnt", REPLY_TS),
        ("A2", "Asign driver", REPLY_TS),
        ("A3", "Track", OTHER_TS),
    ]

    renamed = service.edit_reply(
        team_id,
        C,
        "UBEN",
        PROMPT_TS,
        REPLY_TS,
        lines=["Plan shipment", "Assign driver"],
        delivery_id="Ev1",
    )
    assert renamed is not None
    assert renamed.ok, renamed.text
    assert renamed.number == workshop(service, team_id).number
    texts = [a.text for a in workshop(service, team_id).activities]
    assert texts == ["Plan shipment", "Assign driver", "Track"]
    # The same event delivered again changes nothing more and is marked a duplicate.
    again = service.edit_reply(
        team_id, C, "UBEN", PROMPT_TS, REPLY_TS, lines=["X", "Y"], delivery_id="Ev1"
    )
    assert again is not None
    assert again.duplicate

    before = workshop(service, team_id)
    mismatch = service.edit_reply(
        team_id, C, "UBEN", PROMPT_TS, REPLY_TS, lines=["One", "Two", "Three"]
    )
    assert mismatch is not None
    assert not mismatch.ok
    assert workshop(service, team_id) == before

    removed = service.delete_reply(team_id, C, "UBEN", PROMPT_TS, REPLY_TS)
    assert removed is not None
    assert removed.ok, removed.text
    assert [a.id for a in workshop(service, team_id).activities] == ["A3"]
    # Gone now: deleting or editing it again is passed over.
    assert service.delete_reply(team_id, C, "UBEN", PROMPT_TS, REPLY_TS) is None
    assert service.edit_reply(team_id, C, "UBEN", PROMPT_TS, REPLY_TS, lines=["Z"]) is None


def test_the_persona_reply_adds_no_source_and_its_edit_is_passed_over(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = WorkshopService(WorkshopStore(redis_client))
    assert service.handle(
        team_id, C, "UANA", c.Start(team_id=team_id, channel_id=C, title="Tracking")
    ).ok
    number = workshop(service, team_id).number
    Refs(redis_client, team_id, C, number).set(prompt_name("persona", None), PROMPT_TS)
    reply = service.reply_in_thread(
        team_id, C, "UBEN", PROMPT_TS, ["Operations", "manager"], source=REPLY_TS
    )
    assert reply is not None
    assert reply.ok, reply.text
    before = workshop(service, team_id)
    assert before.persona is not None
    assert service.edit_reply(team_id, C, "UBEN", PROMPT_TS, REPLY_TS, lines=["CEO"]) is None
    assert workshop(service, team_id) == before


def test_a_reply_to_a_prompt_posted_but_not_recorded_yet_waits_for_its_record(
    redis_client: redis.Redis, team_id: str
) -> None:
    """Slack answered the post; the dispatcher has not written the prompt's ``ts`` yet
    when a reply arrives in its thread. The reply waits for the record, then counts."""
    service = at_activities(redis_client, team_id, recorded=False)
    refs = Refs(redis_client, team_id, C, workshop(service, team_id).number)
    name = prompt_name("activities", None)
    assert refs.claim(name, "poster", 10_000)
    posted_ts = f"{time.time():.6f}"

    def record() -> None:
        time.sleep(0.3)
        refs.set(name, posted_ts)
        refs.release(name, "poster")

    recorder = threading.Thread(target=record)
    recorder.start()
    reply = service.reply_in_thread(team_id, C, "UBEN", posted_ts, ["Plan", "Ship"])
    recorder.join()
    assert reply is not None
    assert reply.ok, reply.text
    assert [a.text for a in workshop(service, team_id).activities] == ["Plan", "Ship"]
    assert redis_client.exists(f"{refs.key}:in-flight") == 0  # released with the claim


def test_a_reply_to_an_older_thread_does_not_wait_for_a_post_in_flight(
    redis_client: redis.Redis, team_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a message at least as new as the post in flight can be the one posted:
    a reply under an older message is passed over at once, as before."""
    service = at_activities(redis_client, team_id, recorded=False)
    refs = Refs(redis_client, team_id, C, workshop(service, team_id).number)
    assert refs.claim(prompt_name("activities", None), "poster", 10_000)

    def no_waiting(seconds: float) -> None:
        raise AssertionError(f"waited {seconds} s for a message that cannot be the post")

    monkeypatch.setattr(time, "sleep", no_waiting)
    assert service.reply_in_thread(team_id, C, "UBEN", OTHER_TS, ["Plan"]) is None
    assert workshop(service, team_id).activities == ()


def test_a_posters_in_flight_mark_is_released_only_by_that_poster(
    redis_client: redis.Redis, team_id: str
) -> None:
    one = Refs(redis_client, team_id, C, 1)
    other = Refs(redis_client, team_id, C, 1)
    assert one.claim("board", "w1", 10_000)
    assert other.claim("prompt:activities:-", "w2", 10_000)  # its mark replaces w1's
    one.release("board", "w1")
    assert redis_client.exists(f"{one.key}:in-flight") == 1  # w2's post is still going
    other.release("prompt:activities:-", "w2")
    assert redis_client.exists(f"{one.key}:in-flight") == 0


def at_tasks(redis_client: redis.Redis, team_id: str, backbone: tuple[str, ...]) -> WorkshopService:
    """A workshop at the tasks stage with ``backbone``, its one tasks prompt posted as
    ``PROMPT_TS`` and, as a workshop begun with one prompt per activity had, A1's own
    prompt as ``OTHER_TS``."""
    service = at_activities(redis_client, team_id)
    for text in backbone:
        assert service.handle(team_id, C, "UBEN", c.AddActivity(text=text)).ok
    assert service.handle(team_id, C, "UANA", c.Next()).ok
    refs = Refs(redis_client, team_id, C, workshop(service, team_id).number)
    refs.set(prompt_name("tasks", None), PROMPT_TS)
    refs.set(prompt_name("tasks", "A1"), OTHER_TS)
    return service


def test_a_reply_to_the_stage_prompt_goes_where_each_line_says(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = at_tasks(redis_client, team_id, ("Plan", "Assign", "Track"))
    lines = ["A1: Enter pickup", "A3", "View map", "See ETA", "A2 Pick driver"]
    added = service.reply_in_thread(team_id, C, "UBEN", PROMPT_TS, lines, source=REPLY_TS)
    assert added is not None
    assert added.ok, added.text
    assert not added.refused
    tasks = [(t.id, t.activity_id, t.text, t.source) for t in workshop(service, team_id).tasks]
    assert tasks == [
        ("T1", "A1", "Enter pickup", REPLY_TS),
        ("T2", "A3", "View map", REPLY_TS),
        ("T3", "A3", "See ETA", REPLY_TS),
        ("T4", "A2", "Pick driver", REPLY_TS),
    ]
    # Editing the reply renames line for line: the ids are not part of the names.
    edited = ["A1: Enter pickup address", "A3", "View live map", "See ETA", "A2 Pick driver"]
    renamed = service.edit_reply(team_id, C, "UBEN", PROMPT_TS, REPLY_TS, lines=edited)
    assert renamed is not None
    assert renamed.ok, renamed.text
    texts = [t.text for t in workshop(service, team_id).tasks]
    assert texts == ["Enter pickup address", "View live map", "See ETA", "Pick driver"]
    removed = service.delete_reply(team_id, C, "UBEN", PROMPT_TS, REPLY_TS)
    assert removed is not None
    assert removed.ok, removed.text
    assert workshop(service, team_id).tasks == ()


def test_lines_that_do_not_say_where_they_go_are_told_back_and_not_added(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = at_tasks(redis_client, team_id, ("Plan", "Assign"))
    before = workshop(service, team_id)
    nowhere = service.reply_in_thread(
        team_id, C, "UBEN", PROMPT_TS, ["Enter pickup", "Pick driver"], source=REPLY_TS
    )
    assert nowhere is not None
    assert not nowhere.ok
    assert nowhere.number == before.number
    assert "> Enter pickup\n> Pick driver" in nowhere.text
    assert "`A2: Pick a driver`" in nowhere.text
    assert workshop(service, team_id) == before

    some = service.reply_in_thread(
        team_id, C, "UBEN", PROMPT_TS, ["Enter pickup", "A2: Pick driver"], source=OTHER_TS
    )
    assert some is not None
    assert some.ok, some.text
    assert some.refused == (("Enter pickup", "it does not say where it goes"),)
    assert some.text.startswith("Added T1 “Pick driver” under A2")
    assert "> Enter pickup" in some.text
    assert [(t.activity_id, t.text) for t in workshop(service, team_id).tasks] == [
        ("A2", "Pick driver")
    ]
    # An id that is no activity is the machine's to refuse, line by line.
    unknown = service.reply_in_thread(team_id, C, "UBEN", PROMPT_TS, ["A9: Ghost"], source="9.1")
    assert unknown is not None
    assert not unknown.ok
    assert "A9" in unknown.text


def test_with_one_activity_a_reply_needs_no_ids(redis_client: redis.Redis, team_id: str) -> None:
    service = at_tasks(redis_client, team_id, ("Track",))
    added = service.reply_in_thread(
        team_id, C, "UBEN", PROMPT_TS, ["View map", "See ETA"], source=REPLY_TS
    )
    assert added is not None
    assert added.ok, added.text
    assert [(t.activity_id, t.text) for t in workshop(service, team_id).tasks] == [
        ("A1", "View map"),
        ("A1", "See ETA"),
    ]


def test_a_reply_to_a_per_activity_prompt_still_adds_under_its_activity(
    redis_client: redis.Redis, team_id: str
) -> None:
    service = at_tasks(redis_client, team_id, ("Plan", "Assign"))
    added = service.reply_in_thread(
        team_id, C, "UBEN", OTHER_TS, ["Enter pickup", "A2: taken as words"], source=REPLY_TS
    )
    assert added is not None
    assert added.ok, added.text
    assert [(t.activity_id, t.text) for t in workshop(service, team_id).tasks] == [
        ("A1", "Enter pickup"),
        ("A1", "A2: taken as words"),
    ]
