"""``storymap render``: a stored workshop's map drawn to a PNG by the real command."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from PIL import Image

from bot.demo import PICTURE, write_picture
from bot.domain import commands as c
from bot.render.picture import render_map
from bot.service import WorkshopService
from bot.store.workshops import WorkshopStore
from tests.builders import SEED_BACKBONE, SEED_PERSONA, SEED_TASKS
from tests.cli.test_cli import storymap

pytestmark = pytest.mark.store


def publish_seed(redis_url: str, team_id: str, channel: str) -> WorkshopStore:
    """The seed's map, built and published through the service into the store."""
    store = WorkshopStore(redis.Redis.from_url(redis_url))
    service = WorkshopService(store)

    def do(command: c.Command, actor: str = "UANA") -> None:
        reply = service.handle(team_id, channel, actor, command)
        assert reply.ok, reply.text

    do(c.Start(team_id=team_id, channel_id=channel, title="Delivery tracking"))
    do(c.SetPersona(text=SEED_PERSONA), "UBEN")
    do(c.Next())
    for name in SEED_BACKBONE:
        do(c.AddActivity(text=name), "UCHLOE")
    do(c.Next())
    for n, name in enumerate(SEED_BACKBONE, start=1):
        for task in SEED_TASKS[name]:
            do(c.AddTask(activity_id=f"A{n}", text=task), "UDEV")
    do(c.Next())
    for n, task in enumerate(t for name in SEED_BACKBONE for t in SEED_TASKS[name]):
        do(c.AddStory(task_id=f"T{n + 1}", text=f"Story for {task}"), "UEMI")
    do(c.Next())
    do(c.CastVote(story_id="S3"), "UBEN")
    do(c.Next())
    do(c.DefineSlice(name="View map + ETA", story_ids=("S3", "S4")))
    do(c.Publish(confirmed=True))
    return store


def test_render_writes_the_published_maps_png(redis_url: str, team_id: str, tmp_path: Path) -> None:
    store = publish_seed(redis_url, team_id, "CRENDER")
    assert store.load(team_id, "CRENDER") is None  # published: no longer the active one
    out = tmp_path / "map.png"
    done = storymap("render", team_id, "CRENDER", "--out", str(out), env={"REDIS_URL": redis_url})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote workshop 1 (Published) to {out}"
    published = store.latest(team_id, "CRENDER")
    assert published is not None
    assert out.read_bytes() == render_map(published)
    with Image.open(out) as image:
        assert image.format == "PNG"


def test_render_of_a_channel_without_a_workshop_says_so_in_one_line(
    redis_url: str, team_id: str, tmp_path: Path
) -> None:
    out = tmp_path / "map.png"
    done = storymap("render", team_id, "CNONE", "--out", str(out), env={"REDIS_URL": redis_url})
    assert done.returncode == 1
    assert done.stderr == f"storymap: no workshop in {team_id}/CNONE\n"
    assert not out.exists()


def test_render_to_a_path_it_cannot_write_says_so(
    redis_url: str, team_id: str, tmp_path: Path
) -> None:
    publish_seed(redis_url, team_id, "CRO")
    out = tmp_path / "missing-dir" / "map.png"
    done = storymap("render", team_id, "CRO", "--out", str(out), env={"REDIS_URL": redis_url})
    assert done.returncode == 1
    assert done.stderr.strip() == f"storymap: cannot write {out}: No such file or directory"


def test_the_demo_writes_the_published_maps_picture(
    redis_url: str, team_id: str, tmp_path: Path
) -> None:
    store = publish_seed(redis_url, team_id, "CDEMO")
    client = redis.Redis.from_url(redis_url)
    path = write_picture(client, team_id, "CDEMO", tmp_path / "demo.png")
    assert path == tmp_path / "demo.png"
    published = store.latest(team_id, "CDEMO")
    assert published is not None
    assert path.read_bytes() == render_map(published)
    with pytest.raises(LookupError, match="no workshop"):
        write_picture(client, team_id, "CEMPTY", tmp_path / "none.png")
    assert PICTURE.name == "storymap-demo-map.png"
