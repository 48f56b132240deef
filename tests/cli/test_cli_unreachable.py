"""``storymap`` with its store or Slack out of reach: one line on stderr, no traceback."""

from __future__ import annotations

import pytest

from slacksim import RateLimits, SlackSimulator
from tests.cli.test_cli import free_port, storymap

EXIT_UNREACHABLE = 3


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_state_names_the_store_it_cannot_reach_without_its_password() -> None:
    port = free_port()
    done = storymap("state", "T1", "C1", env={"REDIS_URL": f"redis://:hunter2@127.0.0.1:{port}/0"})
    assert done.returncode == EXIT_UNREACHABLE
    line = one_line(done.stderr)
    assert line.startswith(f"storymap: cannot reach Redis at redis://127.0.0.1:{port} (REDIS_URL)")
    assert "hunter2" not in done.stderr
    assert done.stdout == ""


def test_run_names_the_store_it_cannot_reach() -> None:
    port = free_port()
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{port}",
        "SLACK_BOT_TOKEN": "xoxb-unreachable",
        "SLACK_SIGNING_SECRET": "secret",
        "PORT": str(free_port()),
    }
    done = storymap("run", env=env)
    assert done.returncode == EXIT_UNREACHABLE
    assert one_line(done.stderr).startswith(
        f"storymap: cannot reach Redis at redis://127.0.0.1:{port} (REDIS_URL)"
    )


@pytest.mark.store
@pytest.mark.parametrize("command", ["run", "worker"])
def test_run_and_worker_name_the_slack_they_cannot_reach(redis_url: str, command: str) -> None:
    api = f"http://127.0.0.1:{free_port()}/api/"
    env = {
        "REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": "xoxb-unreachable",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": api,
        "PORT": str(free_port()),
    }
    done = storymap(command, env=env)
    assert done.returncode == EXIT_UNREACHABLE
    line = one_line(done.stderr)
    assert line.startswith(f"storymap: cannot use Slack's Web API at {api} (SLACK_API_URL)")
    assert "xoxb-unreachable" not in done.stderr


@pytest.mark.store
def test_run_says_when_slack_refuses_the_token(redis_url: str) -> None:
    with SlackSimulator(team_id="TREFUSE", rate_limits=RateLimits.disabled()) as sim:
        env = {
            "REDIS_URL": redis_url,
            "SLACK_BOT_TOKEN": "xoxb-not-the-bots",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": sim.api_url,
            "PORT": str(free_port()),
        }
        done = storymap("run", env=env)
    assert done.returncode == EXIT_UNREACHABLE
    assert one_line(done.stderr) == (
        f"storymap: cannot use Slack's Web API at {sim.api_url} (SLACK_API_URL) "
        "with SLACK_BOT_TOKEN: invalid_auth"
    )
