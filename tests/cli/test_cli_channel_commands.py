"""The commands about one channel take its team and channel ids first, and say so in --help."""

from __future__ import annotations

import pytest

from bot import cli

CHANNEL_COMMANDS = {
    "state": (cli._state, []),
    "export": (cli._export, ["--format", "json"]),
    "import": (cli._import, ["map.json"]),
    "render": (cli._render, []),
    "outbox": (cli._outbox, []),
}


@pytest.mark.parametrize("name", sorted(CHANNEL_COMMANDS))
def test_a_channel_command_reads_team_and_channel_then_its_own_arguments(name: str) -> None:
    handler, rest = CHANNEL_COMMANDS[name]
    args = cli.parser().parse_args([name, "T0123ABC", "C0456DEF", *rest])
    assert (args.command, args.team, args.channel, args.handler) == (
        name,
        "T0123ABC",
        "C0456DEF",
        handler,
    )


@pytest.mark.parametrize("name", sorted(CHANNEL_COMMANDS))
def test_a_channel_commands_help_names_team_and_channel(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as done:
        cli.parser().parse_args([name, "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    usage = shown.splitlines()[0]
    assert usage.startswith(f"usage: storymap {name} [-h]")
    assert usage.endswith(" team channel file" if name == "import" else " team channel")
    assert "  team " in shown
    assert "Slack team id, e.g. T0123ABC" in shown
    assert "Slack channel id, e.g. C0456DEF" in shown


def test_a_channel_command_without_its_channel_is_refused_by_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.parser().parse_args(["render", "T0123ABC"])
    assert done.value.code == 2
    assert "the following arguments are required: channel" in capsys.readouterr().err
