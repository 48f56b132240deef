"""``/storymap export``: the map as a file in the channel, through Slack's upload flow.

The real bot behind its HTTP server, the simulator as Slack: anyone in the channel asks,
is told (only they see it) that the file is on its way, and the file arrives in the
channel with a line naming who asked. A format the bot does not write, or a channel
with no workshop, is answered with how to ask, and uploads nothing.
"""

from __future__ import annotations

import csv
import io

import pytest

from bot.domain.machine import NO_WORKSHOP
from bot.render.exports import json_import
from slacksim import UploadedFile
from tests.e2e.conftest import Workspace
from tests.e2e.test_workshop import slash, walk_to

pytestmark = [pytest.mark.store, pytest.mark.slow]


def wait_for_file(ws: Workspace, name: str) -> UploadedFile:
    found = ws.sim.wait_for(
        lambda: next((f for f in ws.sim.files(ws.channel) if f.filename == name), None),
        timeout=30,
        message=f"{name} in the channel",
    )
    assert found is not None
    return found


def test_a_participant_exports_the_map_as_a_jira_csv_and_as_json(workspace: Workspace) -> None:
    walk_to(workspace, "voting")
    told = slash(workspace, "U_BEN", "export jira")
    assert told.startswith("Exporting “Tracking” as Jira CSV")

    jira = wait_for_file(workspace, "storymap-tracking-jira.csv")
    assert jira.content is not None
    rows = list(csv.DictReader(io.StringIO(jira.content.decode())))
    w = workspace.bot.service.store.load(workspace.team_id, workspace.channel)
    assert w is not None
    epics = {r["Issue ID"] for r in rows if r["Issue Type"] == "Epic"}
    stories = [r for r in rows if r["Issue Type"] == "Story"]
    assert sorted(r["Summary"] for r in stories) == sorted(s.text for s in w.stories)
    assert all(r["Parent"] in epics for r in stories)
    shared = next(m for m in workspace.sim.messages(workspace.channel) if m.files)
    assert "<@U_BEN> exported the story map “Tracking” as Jira CSV." in shared.text

    slash(workspace, "U_CHLOE", "export json")
    exported = wait_for_file(workspace, "storymap-tracking-json.json")
    assert exported.content is not None
    back = json_import(exported.content.decode())
    assert [s.id for s in back.stories] == [s.id for s in w.stories]
    assert back.title == "Tracking"


def test_an_unknown_format_or_no_workshop_says_how_and_uploads_nothing(
    workspace: Workspace,
) -> None:
    assert slash(workspace, "U_BEN", "export jira") == NO_WORKSHOP
    walk_to(workspace, "tasks")
    assert "`/storymap export markdown`" in slash(workspace, "U_BEN", "export pdf")
    workspace.sim.settle()
    assert workspace.sim.files(workspace.channel) == []
    assert not any(c.method.startswith("files.") for c in workspace.sim.api_log)
