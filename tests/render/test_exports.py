"""The exports: a Jira CSV that parses back whole and safe, Markdown in the seed's shape,
JSON that validates against its schema and comes back byte for byte."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import commands as c
from bot.domain.model import ReleaseSlice, Stage, VotingMode, Workshop
from bot.domain.text import LIMITS
from bot.render.exports import (
    FORMULA_STARTS,
    JIRA_COLUMNS,
    MapImportError,
    jira_csv,
    json_export,
    json_import,
    markdown,
    md,
    priority,
    task_label,
)
from tests.builders import FACILITATOR, run, workshop_at
from tests.domain.test_properties import play, steps
from tests.render.test_map import seed_with_priorities

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/schema/storymap-map-v1.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
HOSTILE = (
    '=HYPERLINK("http://evil","x")',
    "+1 for SMS, and more",
    "-2 days, \"quoted\" and 'single'",
    "@SUM(A1:A9)",
    "Pipes | in | text, and *stars* and [links](http://x) `code` <b>",
)


def seed_map() -> Workshop:
    """The seed's workshop, published, each release with an outcome."""
    w = seed_with_priorities()
    outcomes = ("Ops managers see where a truck is without calling", "Nobody waits unwarned")
    slices = tuple(
        r.model_copy(update={"outcome": o}) for r, o in zip(w.slices, outcomes, strict=True)
    )
    return w.model_copy(update={"slices": slices})


def hostile_map() -> Workshop:
    """A map whose every text tries to break a CSV, a spreadsheet or a Markdown table."""
    w = workshop_at(Stage.STORIES)
    for n, text in enumerate(HOSTILE):
        w = run(w, c.AddStory(task_id=w.tasks[n % len(w.tasks)].id, text=text))
    w = run(w, c.Rename(item_id="A1", text='-Plan, "ship" | now'))
    w = run(w, c.Rename(item_id="T1", text="=Enter pickup, drop-off"))
    return w.model_copy(
        update={
            "slices": (
                ReleaseSlice(name="=R1, first", story_ids=("S1", "S2"), outcome="@ops | happy"),
                ReleaseSlice(name="+R2", story_ids=("S3",), outcome="line one\nline two"),
            )
        }
    )


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# ----- Jira CSV -----------------------------------------------------------------------


@pytest.mark.parametrize("build", [seed_map, hostile_map])
def test_jira_csv_parses_back_with_every_story_once_under_an_epic(build: Any) -> None:
    w = build()
    text = jira_csv(w)
    assert text.startswith(",".join(f'"{c}"' for c in JIRA_COLUMNS) + "\r\n")
    parsed = rows(text)
    epics = {r["Issue ID"]: r for r in parsed if r["Issue Type"] == "Epic"}
    stories = [r for r in parsed if r["Issue Type"] == "Story"]
    assert len(epics) == len(w.activities)
    assert len(stories) == len(w.stories)
    assert len(parsed) == len(epics) + len(stories)
    assert len({r["Issue ID"] for r in parsed}) == len(parsed)
    # Epics come first: Jira's importer needs a parent before its children.
    assert [r["Issue Type"] for r in parsed] == ["Epic"] * len(epics) + ["Story"] * len(stories)
    for story in stories:
        assert story["Parent"] in epics
    mentioned = [re.search(r"^Story (S\d+),", r["Description"]).group(1) for r in stories]  # type: ignore[union-attr]
    assert sorted(mentioned) == sorted(s.id for s in w.stories)
    for cell in (cell for r in parsed for cell in r.values()):
        assert not cell.startswith(FORMULA_STARTS), cell


def test_jira_story_rows_carry_task_release_priority_and_parent() -> None:
    w = seed_map()
    parsed = rows(jira_csv(w))
    epic_of = {r["Summary"]: r["Issue ID"] for r in parsed if r["Issue Type"] == "Epic"}
    by_summary = {r["Summary"]: r for r in parsed if r["Issue Type"] == "Story"}
    traffic = by_summary["See traffic"]  # first under T3 by votes
    assert traffic["Parent"] == epic_of["Track delivery"]
    assert traffic["Priority"] == "Highest"
    assert traffic["Labels"] == "T3-View-real-time-map"
    assert traffic["Fix Version"] == ""
    assert "task T3 “View real-time map”" in traffic["Description"]
    assert by_summary["Zoom on the driver"]["Priority"] == "High"
    first = by_summary["Story for View real-time map"]
    assert first["Priority"] == "Medium"
    assert first["Fix Version"] == "View map + ETA"
    assert "Release outcome: Ops managers see where a truck is" in first["Description"]
    assert by_summary["SMS"]["Priority"] == "Highest"  # the facilitator's order wins


def test_hostile_text_stays_text() -> None:
    parsed = rows(jira_csv(hostile_map()))
    summaries = [r["Summary"] for r in parsed]
    assert '\'=HYPERLINK("http://evil","x")' in summaries
    assert "'+1 for SMS, and more" in summaries
    assert "'@SUM(A1:A9)" in summaries
    assert '\'-Plan, "ship" | now' in summaries  # the epic
    releases = {r["Fix Version"] for r in parsed}
    assert {"'=R1, first", "'+R2"} <= releases
    assert all("\n" not in s for s in summaries)


def test_a_line_break_in_a_story_keeps_the_summary_on_one_line() -> None:
    w = hostile_map()
    broken = w.stories[0].model_copy(update={"text": '=first line\r\nsecond, "line"'})
    w = w.model_copy(update={"stories": (broken, *w.stories[1:])})
    story = next(r for r in rows(jira_csv(w)) if r["Description"].startswith(f"Story {broken.id},"))
    assert story["Summary"] == '\'=first line second, "line"'
    card = [line for line in markdown(w).splitlines() if f" {broken.id} " in line]
    assert card
    assert all('=first line second, "line"' in line for line in card), card


def test_priority_mapping_and_labels() -> None:
    assert [priority(n) for n in range(1, 8)] == [
        "Highest",
        "High",
        "Medium",
        "Low",
        "Lowest",
        "Lowest",
        "Lowest",
    ]
    w = hostile_map()
    label = task_label(w.tasks[0])
    assert label == "T1-Enter-pickup-drop-off"
    assert " " not in label
    emoji_task = w.tasks[0].model_copy(update={"text": "🚚 Доставка 配送, now!"})
    assert task_label(emoji_task) == "T1-Доставка-配送-now"


# ----- Markdown -----------------------------------------------------------------------


#: The seed's *Correct* example of a workshop's output, as the seed writes it.
SEED_CORRECT = """\
Workshop output — Persona: Operations Manager at a logistics company

Backbone Activities:
[Plan shipment] → [Assign driver] → [Track delivery] → [Resolve issues]

Tasks under "Track delivery":
- View real-time map
- See estimated arrival time
- Receive delay alerts
- Share tracking link with customer

Story cards (vertical, priority order):
Top: View real-time map | See estimated arrival time
Mid: Receive delay alerts
Lower: Share tracking link with customer

Release slices agreed:
── Release 1: View map + ETA ──────────────────────────────
── Release 2: Delay alerts ────────────────────────────────
── Release 3: Shareable tracking link ─────────────────────
"""


def seed_correct_example() -> list[str]:
    return SEED_CORRECT.splitlines()


def in_order(lines: list[str], labels: tuple[str, ...]) -> list[int]:
    """Where each label starts a line, each found after the one before."""
    found: list[int] = []
    at = 0
    for label in labels:
        hit = next((n for n in range(at, len(lines)) if lines[n].startswith(label)), None)
        if hit is None:
            break
        found.append(hit)
        at = hit + 1
    return found


def test_markdown_follows_the_seeds_correct_example() -> None:
    w = seed_map()
    lines = markdown(w).splitlines()
    seed = seed_correct_example()
    # The seed's labels, in the seed's order.
    labels = (
        "Workshop output — Persona:",
        "Backbone Activities:",
        'Tasks under "Track delivery":',
        "Story cards (vertical, priority order):",
        "Release slices agreed:",
    )
    seen = in_order(lines, labels)
    assert len(seen) == len(labels)
    assert len(in_order(seed, labels)) == len(labels)
    assert lines[seen[0]] == seed[0]  # "Workshop output — Persona: Operations Manager at …"
    backbone = lines[lines.index("Backbone Activities:") + 1]
    assert backbone == seed[seed.index("Backbone Activities:") + 1]
    # Tasks under "Track delivery": the seed's four, in its order, as a list.
    at = lines.index('Tasks under "Track delivery":')
    tasks = [re.sub(r"^- T\d+ ", "- ", line) for line in lines[at + 1 : at + 5]]
    seed_tasks = seed[seed.index('Tasks under "Track delivery":') + 1 :][:4]
    assert tasks == seed_tasks
    # Release lines drawn as the seed draws them, in release order.
    release_line = re.compile(r"^── Release (\d+): (.+) ─+$")
    ours = [m.groups() for line in lines if (m := release_line.match(line))]
    assert ours == [("1", "View map + ETA"), ("2", "Delay alerts")]
    assert all(release_line.match(line) for line in seed if line.startswith("── Release"))
    assert all(len(line) == 60 for line in lines if release_line.match(line))


def test_markdown_stories_by_priority_and_a_table_per_release() -> None:
    w = seed_map()
    text = markdown(w)
    t3 = text[
        text.index("- T3 View real-time map:") : text.index("- T4 See estimated arrival time:")
    ]
    assert re.findall(r"S\d+", t3) == [s.id for s in w.prioritised("T3")]
    assert "  1. S9 See traffic (2 votes)" in t3
    release_1 = text[text.index("── Release 1") : text.index("── Release 2")]
    assert "Outcome: Ops managers see where a truck is without calling" in release_1
    table = [line for line in release_1.splitlines() if line.startswith("|")]
    assert table[0] == "| Story | Text | Task | Activity | Votes |"
    assert [line.split(" | ")[0] for line in table[2:]] == ["| S3", "| S4"]
    assert table[2] == (
        "| S3 | Story for View real-time map | T3 View real-time map | A3 Track delivery | 0 |"
    )
    rest = text[text.index("── Not in a release yet") :]
    every = re.findall(r"^\| (S\d+) \|", text, flags=re.MULTILINE)
    assert sorted(every) == sorted(s.id for s in w.stories)
    assert "S1" in rest


def test_markdown_user_text_cannot_break_a_table() -> None:
    text = markdown(hostile_map())
    for line in text.splitlines():
        if line.startswith("| S"):
            cells = re.split(r"(?<!\\)\|", line)
            assert len(cells) == 7, line  # 5 cells between 6 unescaped pipes
    assert md("a|b\nc [x](y) *z* <b>") == "a\\|b c \\[x\\]\\(y\\) \\*z\\* \\<b\\>"
    assert "line one line two" in text


# ----- JSON ---------------------------------------------------------------------------


def hostile_stored() -> Workshop:
    """``hostile_map`` as the bot stores it: its outcome on one line."""
    w = hostile_map()
    second = w.slices[1].model_copy(update={"outcome": "line one line two"})
    return w.model_copy(update={"slices": (w.slices[0], second)})


@pytest.mark.parametrize("build", [seed_map, hostile_stored])
def test_json_validates_and_round_trips(build: Any) -> None:
    w = build()
    text = json_export(w)
    VALIDATOR.validate(json.loads(text))
    again = json_import(text, team_id="T9", channel_id="C9")
    assert json_export(again) == text
    assert again.votes == w.votes
    assert again.slices == w.slices
    assert [s.author for s in again.stories] == [s.author for s in w.stories]
    assert markdown(again) == markdown(w)
    assert jira_csv(again) == jira_csv(w)


@settings(max_examples=60, deadline=None)
@given(steps)
def test_any_reachable_workshop_round_trips(sequence: Any) -> None:
    w = play(sequence)[-1]
    text = json_export(w)
    VALIDATOR.validate(json.loads(text))
    assert json_export(json_import(text)) == text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            st.one_of(st.sampled_from('=+-@,"\n\r\t|'), st.characters(exclude_categories=["Cs"])),
            min_size=1,
            max_size=40,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_text_survives_csv_and_json(texts: list[str]) -> None:
    w = workshop_at(Stage.STORIES)
    for n, text in enumerate(texts):
        # The number keeps each story's text non-blank and distinct.
        w = run(w, c.AddStory(task_id=w.tasks[0].id, text=f"{text} {n}"))
    parsed = rows(jira_csv(w))
    assert sum(r["Issue Type"] == "Story" for r in parsed) == len(w.stories)
    assert all(not cell.startswith(FORMULA_STARTS) for r in parsed for cell in r.values())
    text = json_export(w)
    VALIDATOR.validate(json.loads(text))
    assert json_export(json_import(text)) == text


def _doc() -> dict[str, Any]:
    return json.loads(json_export(seed_map()))  # type: ignore[no-any-return]


def _broken(change: Any) -> str:
    doc = _doc()
    change(doc)
    return json.dumps(doc)


REFUSALS: list[tuple[str, Any, str]] = [
    ("not json", lambda: "{nope", "not JSON: Expecting property name"),
    ("not an object", lambda: "[]", "must hold one JSON object"),
    ("no version", lambda: _broken(lambda d: d.pop("schema_version")), "schema_version is missing"),
    (
        "newer version",
        lambda: _broken(lambda d: d.update(schema_version=2)),
        "schema_version 2 is not supported; this version of storymap reads 1",
    ),
    (
        "version as text",
        lambda: _broken(lambda d: d.update(schema_version="1")),
        'schema_version "1" is not supported',
    ),
    (
        "story under a missing task",
        lambda: _broken(lambda d: d["stories"][0].update(task_id="T99")),
        "story S1: its task T99 does not exist",
    ),
    (
        "task under a missing activity",
        lambda: _broken(lambda d: d["tasks"][1].update(activity_id="A42")),
        "task T2: its activity A42 does not exist",
    ),
    (
        "duplicate id",
        lambda: _broken(lambda d: d["stories"][1].update(id="S1")),
        "stories: S1 appears twice",
    ),
    (
        "slice naming an unknown story",
        lambda: _broken(lambda d: d["slices"][0]["story_ids"].append("S77")),
        "release 1 “View map + ETA”: story S77 does not exist",
    ),
    (
        "story in two slices",
        lambda: _broken(lambda d: d["slices"][1]["story_ids"].append("S3")),
        "story S3 is already in “View map + ETA”",
    ),
    (
        "vote on an unknown story",
        lambda: _broken(lambda d: d["votes"].update(S50=["UBEN"])),
        "votes: story S50 does not exist",
    ),
    (
        "order naming another task's story",
        lambda: _broken(lambda d: d["story_order"].update(T1=["S3"])),
        "story_order of T1: story S3 is under T3",
    ),
    (
        "counter below an id",
        lambda: _broken(lambda d: d["counters"].update(S=3)),
        "counters.S is 3 but S10 exists",
    ),
    (
        "unknown field",
        lambda: _broken(lambda d: d.update(deadline=None)),
        "deadline: Extra inputs are not permitted",
    ),
    (
        "missing field",
        lambda: _broken(lambda d: d["activities"][2].pop("text")),
        "activities[2].text: Field required",
    ),
    (
        "bad id",
        lambda: _broken(lambda d: d["stories"][0].update(id="X1")),
        "stories[0].id: String should match pattern",
    ),
    (
        "blank text",
        lambda: _broken(lambda d: d["activities"][0].update(text="  \u200b ")),
        "activity A1: the text is empty once spaces are trimmed",
    ),
    (
        "a user id that is not one",
        lambda: _broken(lambda d: d.update(facilitator="U1> <!channel")),
        "facilitator: String should match pattern",
    ),
    (
        "time without a zone",
        lambda: _broken(lambda d: d.update(created_at="2026-01-01T10:00:00")),
        "created_at: Value error, timestamps must carry a time zone",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(make, expected) for _, make, expected in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_import_refuses_bad_input_in_one_line(text: Any, expected: str) -> None:
    with pytest.raises(MapImportError) as refused:
        json_import(text())
    message = str(refused.value)
    assert expected in message
    assert "\n" not in message


def test_the_schema_refuses_what_the_importer_refuses_by_shape() -> None:
    """Refusals of shape are the schema's too (references are the importer's alone)."""
    shapes = {
        "newer version",
        "version as text",
        "unknown field",
        "missing field",
        "bad id",
        "a user id that is not one",
    }
    for name, make, _ in REFUSALS:
        if name in shapes:
            assert not VALIDATOR.is_valid(json.loads(make())), name


def test_import_normalises_text_as_the_bot_stores_it() -> None:
    doc = _doc()
    doc["stories"][0]["text"] = "  Spaced\tout \u200b text  "
    w = json_import(json.dumps(doc))
    assert w.stories[0].text == "Spaced out text"
    assert w.facilitator == FACILITATOR


def test_the_schemas_text_limits_are_the_bots() -> None:
    """A file the schema accepts is one the bot can hold: each text's maxLength is the
    bot's limit for that kind of text."""
    props = SCHEMA["properties"]

    def item(name: str) -> dict[str, Any]:
        return dict(props[name]["items"]["properties"])

    assert props["title"]["maxLength"] == LIMITS["title"]
    assert props["persona"]["oneOf"][1]["properties"]["text"]["maxLength"] == LIMITS["persona"]
    assert item("activities")["text"]["maxLength"] == LIMITS["activity"]
    assert item("tasks")["text"]["maxLength"] == LIMITS["task"]
    assert item("stories")["text"]["maxLength"] == LIMITS["story"]
    assert item("slices")["name"]["maxLength"] == LIMITS["release"]
    assert item("slices")["outcome"]["maxLength"] == LIMITS["outcome"]


def test_an_items_link_to_its_message_round_trips_and_a_bad_one_is_refused() -> None:
    """An item made from a message ("Add to story map") keeps its link through a JSON
    export and import; an item without one has no ``link`` key at all."""
    w = seed_map()
    link = "https://acme.slack.com/archives/C1/p1700000000000100"
    w = w.model_copy(
        update={"stories": (w.stories[0].model_copy(update={"link": link}), *w.stories[1:])}
    )
    text = json_export(w)
    document = json.loads(text)
    VALIDATOR.validate(document)
    assert document["stories"][0]["link"] == link
    assert "link" not in document["stories"][1]
    back = json_import(text)
    assert back.stories[0].link == link
    assert json_export(back) == text
    document["stories"][0]["link"] = "javascript:alert(1)"
    assert not VALIDATOR.is_valid(document)
    with pytest.raises(MapImportError, match=r"stories\[0\]\.link"):
        json_import(json.dumps(document))


def test_a_blind_map_with_a_cap_round_trips_its_repeated_votes_and_refuses_more() -> None:
    """After blind voting closes, a person's several votes on one card come back; a file
    giving someone more votes on a card than its cap is refused."""
    w = seed_map()
    settings = w.settings.model_copy(
        update={"voting_mode": VotingMode.BLIND, "vote_cap": 2, "vote_budget": 5}
    )
    story = w.stories[0].id
    w = w.model_copy(
        update={
            "settings": settings,
            "stage": Stage.SLICING,
            "votes": {**w.votes, story: ("UBEN", "UBEN", "UDEV")},
        }
    )
    text = json_export(w)
    document = json.loads(text)
    VALIDATOR.validate(document)
    assert document["settings"]["voting_mode"] == "blind"
    assert document["votes"][story] == ["UBEN", "UBEN", "UDEV"]
    back = json_import(text)
    assert back.settings == settings
    assert back.votes[story] == ("UBEN", "UBEN", "UDEV")
    assert json_export(back) == text
    document["votes"][story] = ["UBEN", "UBEN", "UBEN"]
    with pytest.raises(MapImportError, match="over the per-card cap of 2"):
        json_import(json.dumps(document))
    assert "voting_mode" not in json.loads(json_export(seed_map()))["settings"]
