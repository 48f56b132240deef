"""``storymap export`` and ``storymap import`` as a user runs them, against a real store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import redis

from bot.domain import commands as c
from bot.domain.model import Stage
from bot.render.exports import json_export
from bot.service import WorkshopService
from bot.store import outbox
from bot.store.keys import Keys
from bot.store.workshops import WorkshopStore
from slacksim import SlackSimulator
from tests.cli.test_cli import running_bot, storymap
from tests.render.test_exports import seed_map

__all__ = ["running_bot"]  # the fixture, used by name below

pytestmark = pytest.mark.store


def store(redis_url: str) -> WorkshopStore:
    return WorkshopStore(redis.Redis.from_url(redis_url))


def seed_file(tmp_path: Path, stage: Stage = Stage.PUBLISHED) -> tuple[Path, str]:
    text = json_export(seed_map().model_copy(update={"stage": stage}))
    path = tmp_path / "map.json"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_import_then_export_gives_the_same_file(
    redis_url: str, team_id: str, tmp_path: Path
) -> None:
    """An open map comes back at its stage: exported again, it is the same bytes, with
    its votes (kept by the store as ballots), authors, order and outcomes."""
    path, text = seed_file(tmp_path, Stage.VOTING)
    env = {"REDIS_URL": redis_url}
    done = storymap("import", team_id, "C1", str(path), env=env)
    assert done.returncode == 0, done.stderr
    assert "as workshop 1, at voting" in done.stdout
    again = storymap("export", team_id, "C1", "--format", "json", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == text
    shown = json.loads(storymap("state", team_id, "C1", env=env).stdout)
    assert (shown["stage"], shown["number"], shown["channel_id"]) == ("voting", 1, "C1")
    assert shown["votes"]["S9"] == ["UBEN", "UCHLOE"]
    # The store's vote bookkeeping follows: a voter's used votes count the imported ones.
    meta = store(redis_url).meta(team_id, "C1")
    assert meta is not None
    assert meta.stage is Stage.VOTING
    used = redis.Redis.from_url(redis_url).hgetall(Keys(team_id, "C1").used)
    assert used == {b"UBEN": b"2", b"UCHLOE": b"1", b"UEMI": b"1"}
    entries = outbox.listing(redis.Redis.from_url(redis_url), team_id, "C1")
    assert [e.kinds for e in entries] == [("open_stage", "refresh_board", "announce")]


def test_a_published_map_comes_back_at_slicing_with_the_next_number(
    redis_url: str, team_id: str, tmp_path: Path
) -> None:
    service = WorkshopService(store(redis_url))
    service.handle(team_id, "C2", "UANA", c.Start(team_id=team_id, channel_id="C2", title="Old"))
    service.handle(team_id, "C2", "UANA", c.Cancel())
    path, text = seed_file(tmp_path)
    env = {"REDIS_URL": redis_url}
    done = storymap("import", team_id, "C2", str(path), "--facilitator", "UZOE", env=env)
    assert done.returncode == 0, done.stderr
    loaded = store(redis_url).load(team_id, "C2")
    assert loaded is not None
    assert (loaded.number, loaded.stage, loaded.facilitator) == (2, Stage.SLICING, "UZOE")
    assert [r.outcome for r in loaded.slices] == [r.outcome for r in seed_map().slices]
    out = tmp_path / "again.json"
    wrote = storymap("export", team_id, "C2", "--format", "json", "--out", str(out), env=env)
    assert wrote.returncode == 0, wrote.stderr
    assert f"wrote workshop 2 (slicing) as json to {out}" in wrote.stdout
    expected = text.replace('"stage": "published"', '"stage": "slicing"').replace(
        '"facilitator": "UANA"', '"facilitator": "UZOE"'
    )
    assert out.read_text(encoding="utf-8") == expected


def test_export_jira_and_markdown_of_the_latest_finished_workshop(
    redis_url: str, team_id: str, tmp_path: Path
) -> None:
    path, _ = seed_file(tmp_path, Stage.SLICING)
    env = {"REDIS_URL": redis_url}
    assert storymap("import", team_id, "C3", str(path), env=env).returncode == 0
    WorkshopService(store(redis_url)).handle(team_id, "C3", "UANA", c.Publish(confirmed=True))
    assert store(redis_url).load(team_id, "C3") is None  # finished: only the archive has it
    out = tmp_path / "map.csv"
    done = storymap("export", team_id, "C3", "--format", "jira", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    raw = out.read_bytes()
    assert raw.count(b"\r\n") >= len(seed_map().stories) + 1
    parsed = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert sum(r["Issue Type"] == "Story" for r in parsed) == len(seed_map().stories)
    shown = storymap("export", team_id, "C3", "--format", "markdown", env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("# Story map: Delivery tracking\n")
    assert "── Release 1: View map + ETA ──" in shown.stdout


def test_export_and_import_refusals_are_one_line_and_change_nothing(
    redis_url: str, team_id: str, tmp_path: Path
) -> None:
    env = {"REDIS_URL": redis_url}
    nothing = storymap("export", team_id, "C4", "--format", "json", env=env)
    assert nothing.returncode == 1
    assert nothing.stderr == f"storymap: no workshop to export in {team_id}/C4\n"
    service = WorkshopService(store(redis_url))
    service.handle(
        team_id, "C4", "UANA", c.Start(team_id=team_id, channel_id="C4", title="Busy & live")
    )
    before = store(redis_url).load(team_id, "C4")
    path, _ = seed_file(tmp_path)
    busy = storymap("import", team_id, "C4", str(path), env=env)
    assert busy.returncode == 1
    assert busy.stderr == (
        "storymap: C4 already has an active workshop, “Busy & live” at Persona; "
        "publish or cancel it before importing a map.\n"
    )
    assert store(redis_url).load(team_id, "C4") == before
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 7}', encoding="utf-8")
    refused = storymap("import", team_id, "C5", str(bad), env=env)
    assert refused.returncode == 1
    assert refused.stderr == (
        f"storymap: {bad}: schema_version 7 is not supported; this version of storymap reads 1\n"
    )
    missing = storymap("import", team_id, "C5", str(tmp_path / "nope.json"), env=env)
    assert missing.returncode == 1
    assert missing.stderr.startswith("storymap: cannot read ")
    assert len(missing.stderr.splitlines()) == 1
    assert store(redis_url).load(team_id, "C5") is None


@pytest.mark.slow
def test_an_imported_map_gets_its_board_in_slack(
    running_bot: tuple[SlackSimulator, str, str], redis_url: str, tmp_path: Path
) -> None:
    """The running bot posts the imported workshop's board and stage prompt, unasked."""
    sim, channel, _ = running_bot
    path, _ = seed_file(tmp_path, Stage.SLICING)
    done = storymap(
        "import", sim.identity.team_id, channel, str(path), env={"REDIS_URL": redis_url}
    )
    assert done.returncode == 0, done.stderr

    def posted() -> list[str] | None:
        texts = [m.text for m in sim.messages(channel, include_replies=True) if m.is_bot]
        announced = any("This map was imported from a file" in t for t in texts)
        return texts if announced else None

    texts = sim.wait_for(posted, timeout=30, message="the imported board and its announcement")
    assert texts is not None
    top = [m.text for m in sim.bot_messages(channel)]
    assert any("Delivery tracking" in t for t in top), top  # the board
    assert len(top) >= 2, top  # and the slicing stage's prompt
    assert any("resumes at *Release slices*" in t for t in texts)
