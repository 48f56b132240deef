"""The "Add to story map" form, and the link back to the message on cards and the map."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.domain.text import LIMITS
from bot.render.cards import story_card
from bot.render.from_message import (
    LINK_LABEL,
    from_message_modal,
    message_link,
    parse_from_message,
    prefill,
    readable,
)
from bot.render.ids import TARGET_BLOCK, TARGET_INPUT, TEXT_BLOCK, TEXT_INPUT, CallbackId, Ref
from bot.render.map import published_map
from bot.render.status import help_message
from slacksim.render import message_lines
from tests.builders import run, workshop_at
from tests.render.factory import worst_case
from tests.support.limits import check_message, check_view

LINK = "https://acme.slack.com/archives/C1/p1700000000000100"
THREAD_LINK = (
    "https://acme.slack.com/archives/C1/p1700000000000200?thread_ts=1700000000.000100&cid=C1"
)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def shown(view: dict[str, Any]) -> str:
    return "\n".join(message_lines("", view["blocks"], readable=True))


def form(stage: Stage, text: str, link: str | None = LINK) -> dict[str, Any]:
    w = workshop_at(stage)
    view = from_message_modal(w, Ref(number=w.number, link=link), text)
    check_view(view)
    return view


@pytest.mark.parametrize(
    ("stage", "label", "picker"),
    [
        (Stage.ACTIVITIES, "Activity", None),
        (Stage.TASKS, "Task", "Under activity"),
        (Stage.STORIES, "Story", "Under task"),
    ],
)
def test_the_form_adds_one_item_of_the_stages_kind_with_its_parent_picker(
    stage: Stage, label: str, picker: str | None
) -> None:
    view = form(stage, "Text the customer when the truck is 10 minutes away")
    assert view["callback_id"] == CallbackId.FROM_MESSAGE
    fields = inputs(view)
    assert fields[TEXT_BLOCK]["initial_value"] == (
        "Text the customer when the truck is 10 minutes away"
    )
    kind = label.lower()
    assert fields[TEXT_BLOCK]["max_length"] == LIMITS[kind]
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == [label] + ([picker] if picker else [])
    assert f"Adds one {kind}" in shown(view)
    assert "cut to fit" not in shown(view)
    ref = Ref.loads(view["private_metadata"])
    assert (ref.stage, ref.channel, ref.link) == (stage, "C1", LINK)


def test_the_task_picker_lists_the_activities_and_the_story_picker_the_tasks() -> None:
    tasks = inputs(form(Stage.TASKS, "x"))[TARGET_BLOCK]
    assert tasks["type"] == "static_select"
    assert [o["value"] for o in tasks["options"]] == ["A1", "A2", "A3", "A4"]
    assert "initial_option" not in tasks
    stories = inputs(form(Stage.STORIES, "x"))[TARGET_BLOCK]
    w = workshop_at(Stage.STORIES)
    assert [o["value"] for o in stories["options"]] == [t.id for t in w.tasks]
    first = stories["options"][0]["text"]["text"]
    assert first == f"{w.tasks[0].id} · {w.tasks[0].text} (Plan shipment)"


def test_a_single_parent_is_already_chosen() -> None:
    w = run(workshop_at(Stage.ACTIVITIES), c.AddActivity(text="Track delivery"), "UBEN")
    w = run(w, c.Next())
    view = from_message_modal(w, Ref(number=w.number), "x")
    picker = inputs(view)[TARGET_BLOCK]
    assert picker["initial_option"]["value"] == "A1"


def test_over_100_parents_ask_for_the_id() -> None:
    w = worst_case(Stage.STORIES)
    assert len(w.tasks) > 100
    view = from_message_modal(w, Ref(number=w.number), "x")
    check_view(view)
    picker = inputs(view)[TARGET_BLOCK]
    assert picker["type"] == "plain_text_input"
    assert picker["action_id"] == TARGET_INPUT


@pytest.mark.parametrize("kind", ["activity", "task", "story"])
def test_a_long_message_is_cut_to_the_limit_at_a_word_and_the_form_says_so(kind: str) -> None:
    stage = {"activity": Stage.ACTIVITIES, "task": Stage.TASKS, "story": Stage.STORIES}[kind]
    message = " ".join(f"word{n}" for n in range(100))
    view = form(stage, message)
    value = inputs(view)[TEXT_BLOCK]["initial_value"]
    limit = LIMITS[kind]
    assert len(value) <= limit
    assert len(value) > limit - 10
    assert message.startswith(value)
    assert message[len(value)] == " "  # cut between words
    article = "an" if kind == "activity" else "a"
    said = f"The message has {len(message)} characters and {article} {kind} holds at most {limit}"
    assert said in shown(view)


def test_a_long_word_is_cut_at_the_limit() -> None:
    filled = prefill("x" * 300, "story")
    assert (filled.text, filled.length, filled.trimmed) == ("x" * 200, 300, True)


def test_the_message_is_prefilled_as_its_reader_sees_it_and_on_one_line() -> None:
    text = "Ask <@U1|ana> &amp; <#C2|ops>:\n<https://x.example|the spec> &lt;soon&gt; <!here>"
    assert readable(text) == "Ask @ana & #ops:\nthe spec <soon> @here"
    view = form(Stage.STORIES, text)
    # The raw words to edit, never escaped, and nothing live in the form.
    assert inputs(view)[TEXT_BLOCK]["initial_value"] == "Ask @ana & #ops: the spec <soon> @here"


def test_an_empty_message_leaves_the_field_empty() -> None:
    assert "initial_value" not in inputs(form(Stage.STORIES, "   "))[TEXT_BLOCK]


def test_a_stage_that_takes_no_items_has_no_form() -> None:
    w = workshop_at(Stage.VOTING)
    with pytest.raises(ValueError, match="takes no items"):
        from_message_modal(w, Ref(number=w.number), "x")


def test_the_submission_reads_the_words_and_the_parent() -> None:
    values: dict[str, dict[str, dict[str, Any]]] = {
        TEXT_BLOCK: {TEXT_INPUT: {"type": "plain_text_input", "value": "  See it  "}},
        TARGET_BLOCK: {TARGET_INPUT: {"selected_option": {"value": "T2"}}},
    }
    assert parse_from_message(values) == ("See it", "T2")
    typed: dict[str, dict[str, dict[str, Any]]] = {TARGET_BLOCK: {TARGET_INPUT: {"value": " t3 "}}}
    assert parse_from_message(typed) == ("", "t3")


def test_only_a_plain_https_url_becomes_a_link() -> None:
    assert message_link(LINK) == f"<{LINK}|{LINK_LABEL}>"
    assert message_link(THREAD_LINK) == f"<{THREAD_LINK.replace('&', '&amp;')}|{LINK_LABEL}>"
    for bad in (None, "", "http://x.example", "https://x.example|<!channel>", "https://a b"):
        assert message_link(bad) == ""


def test_the_card_and_the_map_link_back_to_the_message() -> None:
    w = run(workshop_at(Stage.STORIES), c.AddStory(task_id="T1", text="Typed"))
    w = run(w, c.AddStory(task_id="T1", text="From chat", link=LINK))
    story = w.stories[-1]
    card = story_card(w, story.id)
    check_message(card.blocks, card.text)
    lines = message_lines(card.text, card.blocks, readable=True)
    assert any(f"{LINK_LABEL} ({LINK})" in line for line in lines), lines
    plain = story_card(w, w.stories[0].id)
    assert LINK_LABEL not in "\n".join(message_lines(plain.text, plain.blocks))
    [page] = published_map(w)
    check_message(page.blocks, page.text)
    text = "\n".join(message_lines(page.text, page.blocks, readable=True))
    assert f"{story.id} · From chat · {LINK_LABEL} ({LINK})" in text
    assert text.count(LINK_LABEL) == 1


def test_the_map_links_activities_and_tasks_too_escaping_the_links_ampersand() -> None:
    w = run(workshop_at(Stage.ACTIVITIES), c.AddActivity(text="From chat", link=THREAD_LINK))
    w = run(w, c.Next())
    w = run(w, c.AddTask(activity_id="A1", text="Said in a thread", link=LINK))
    [page] = published_map(w)
    check_message(page.blocks, page.text)
    raw = "\n".join(str(b) for b in page.blocks)
    assert THREAD_LINK.replace("&", "&amp;") in raw
    text = "\n".join(message_lines(page.text, page.blocks, readable=True))
    assert f"A1 · From chat* · {LINK_LABEL} ({THREAD_LINK})" in text
    assert f"T1 · Said in a thread* · {LINK_LABEL} ({LINK})" in text


def test_help_says_how_to_use_the_shortcut() -> None:
    help_text = "\n".join(message_lines("", help_message().blocks, readable=True))
    assert "More actions → *Add to story map*" in help_text
