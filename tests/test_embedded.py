"""The embedded store server, run for real: persistence, sharing between processes, errors.

Other processes are real ``python`` subprocesses, each one user of the data dir
(see ``_USER_SCRIPT``). Every test leaves no server running, even when it fails.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from bot.store.embedded import EmbeddedServer, EmbeddedServerError

# One user of a data dir in another process: waits for "go", starts, reports what it
# sees as one JSON line, holds its share until the next line, then stops.
_USER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import redis
    from bot.store.embedded import EmbeddedServer

    sys.stdin.readline()
    server = EmbeddedServer(Path(sys.argv[1]))
    url = server.start()
    client = redis.Redis.from_url(url)
    value = client.get(sys.argv[2])
    client.close()
    print(json.dumps({"url": url, "pid": server.pid, "value": value and value.decode()}))
    sys.stdout.flush()
    sys.stdin.readline()
    server.stop()
    print("stopped", flush=True)
    """
)


class _User:
    """A subprocess using the data dir; see _USER_SCRIPT."""

    def __init__(self, data_dir: Path, key: str = "absent") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _USER_SCRIPT, str(data_dir), key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _say(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def _hear(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline()

    def go(self) -> None:
        self._say("go")

    def report(self) -> dict[str, Any]:
        line = self._hear()
        assert line, f"user process exited early with {self.process.wait(timeout=10)}"
        report: dict[str, Any] = json.loads(line)
        return report

    def stop(self) -> None:
        self._say("stop")
        assert self._hear() == "stopped\n"
        assert self.process.wait(timeout=30) == 0

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=10)


def _answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    # A failed test must not leave a daemonized server behind.
    leftover = EmbeddedServer(path)
    if _answers(leftover.url):
        client = redis.Redis.from_url(leftover.url)
        client.shutdown(nosave=True)
        client.close()


def test_start_serves_on_an_owner_only_socket_with_the_append_only_file_on(
    data_dir: Path,
) -> None:
    with EmbeddedServer(data_dir) as server:
        assert server.url == f"unix://{data_dir}/valkey.sock"
        assert (data_dir / "valkey.sock").stat().st_mode & 0o777 == 0o700
        client = redis.Redis.from_url(server.url)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        assert client.config_get("port") == {"port": "0"}
        assert client.config_get("dir") == {"dir": str(data_dir)}
        client.close()
    assert not _answers(server.url)
    assert server.pid is None  # the server removed its pid file on a clean shutdown


def test_data_survives_a_stop_and_a_start(data_dir: Path, team_id: str) -> None:
    with EmbeddedServer(data_dir) as server:
        client = redis.Redis.from_url(server.url)
        client.set(team_id, b"persona: Operations Manager")
        client.close()
    assert not _answers(server.url)

    with EmbeddedServer(data_dir) as server:
        client = redis.Redis.from_url(server.url)
        assert client.get(team_id) == b"persona: Operations Manager"
        client.close()


def test_data_survives_a_killed_server(data_dir: Path, team_id: str) -> None:
    first = EmbeddedServer(data_dir)
    first.start()
    client = redis.Redis.from_url(first.url)
    client.set(team_id, b"A1 Plan shipment")
    client.close()
    killed = first.pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _answers(first.url) and time.monotonic() < deadline:
        time.sleep(0.05)

    # A stale socket and pid file are left behind; the next start must not mind.
    with EmbeddedServer(data_dir) as second:
        assert second.pid not in (None, killed)
        client = redis.Redis.from_url(second.url)
        assert client.get(team_id) == b"A1 Plan shipment"
        client.close()
        first.stop()  # releases its share only: `second` still uses the server
        assert _answers(second.url)
    assert not _answers(second.url)


def test_another_process_reuses_the_running_server(data_dir: Path, team_id: str) -> None:
    with EmbeddedServer(data_dir) as server:
        client = redis.Redis.from_url(server.url)
        client.set(team_id, b"shared")
        client.close()

        user = _User(data_dir, team_id)
        try:
            user.go()
            report = user.report()
            assert report == {"url": server.url, "pid": server.pid, "value": "shared"}
            user.stop()
        finally:
            user.close()
        assert _answers(server.url), "the other process stopped a server we still use"
    assert not _answers(server.url)


def test_the_last_user_stops_the_server_whoever_started_it(data_dir: Path) -> None:
    starter = EmbeddedServer(data_dir)
    starter.start()
    user = _User(data_dir)
    try:
        user.go()
        assert user.report()["pid"] == starter.pid
        starter.stop()
        assert _answers(starter.url), "stopped while another process still uses it"
        user.stop()
    finally:
        user.close()
    assert not _answers(starter.url)


def test_processes_starting_at_once_share_one_server(data_dir: Path) -> None:
    users = [_User(data_dir) for _ in range(4)]
    try:
        for user in users:
            user.go()
        reports = [user.report() for user in users]
        assert len({report["pid"] for report in reports}) == 1
        assert len({report["url"] for report in reports}) == 1
        log = (data_dir / "valkey.log").read_text()
        assert log.count("Ready to accept connections") == 1
        for user in users:
            user.stop()
    finally:
        for user in users:
            user.close()
    assert not _answers(EmbeddedServer(data_dir).url)


def test_a_data_dir_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(EmbeddedServerError, match=r"cannot create data dir .*STORYMAP_DATA_DIR"):
        EmbeddedServer(blocker / "data").start()


def test_a_data_dir_too_long_for_a_socket_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServerError, match="too long for the server's unix socket"):
        EmbeddedServer(tmp_path / ("d" * 120)).start()


def test_a_missing_binary_is_a_clear_error(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServerError, match=r"binary .*/no-such-server is missing"):
        EmbeddedServer(data_dir, binary=tmp_path / "no-such-server").start()


def test_a_server_that_dies_while_starting_reports_its_log(data_dir: Path) -> None:
    with EmbeddedServer(data_dir):
        pass
    (data_dir / "appendonlydir" / "appendonly.aof.manifest").write_text("garbage\n")
    with pytest.raises(EmbeddedServerError) as raised:
        EmbeddedServer(data_dir).start()
    assert "died while starting" in str(raised.value)
    assert "Invalid AOF manifest file format" in str(raised.value)


@pytest.mark.store
def test_the_store_server_has_the_features_the_store_relies_on(
    redis_client: redis.Redis, team_id: str
) -> None:
    """Runs against the embedded server, and in CI against Debian's redis-server too."""
    tag = f"storymap:{{{team_id}:C1}}"
    keys = [f"{tag}:doc", f"{tag}:dedupe", f"{tag}:outbox"]
    try:
        # Compare-and-set by WATCH/MULTI: a write in between makes EXEC fail.
        with redis_client.pipeline() as pipe:
            pipe.watch(keys[0])  # type: ignore[no-untyped-call]  # unannotated in redis-py
            redis_client.set(keys[0], b'{"version": 2}')
            pipe.multi()
            pipe.set(keys[0], b'{"version": 2}')
            with pytest.raises(redis.WatchError):
                pipe.execute()
        # Delivery dedupe: SET NX with a TTL.
        assert redis_client.set(keys[1], b"1", nx=True, ex=600)
        assert redis_client.set(keys[1], b"1", nx=True, ex=600) is None
        # Lua over keys of one hash tag.
        script = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
        assert redis_client.eval(script, 1, f"{tag}:votes", 3) == 3
        keys.append(f"{tag}:votes")
        # Outbox: a stream with a consumer group and claiming of a dead consumer's work.
        entry = redis_client.xadd(keys[2], {b"effect": b"refresh_board"})
        redis_client.xgroup_create(keys[2], "dispatchers", id="0")
        redis_client.xreadgroup("dispatchers", "dead", {keys[2]: ">"}, count=1)
        claimed = redis_client.xautoclaim(keys[2], "dispatchers", "alive", min_idle_time=0)
        assert [message_id for message_id, _ in claimed[1]] == [entry]
        assert redis_client.xack(keys[2], "dispatchers", entry) == 1
    finally:
        redis_client.delete(*keys)
