"""The load generator: signed requests to one or more bot URLs, open- or closed-loop.

It runs in a process of its own (``python -m benchmarks.load``), so the simulator and the
orchestration in the parent never hold its interpreter lock while it times a request.
The parent sends a ``Plan`` as one JSON line on stdin, waits for ``ready`` (imports
done), takes its CPU readings, sends ``go`` and reads the samples back as one JSON line.

Rules kept:
- every request is signed at the moment it is sent, with the simulator's own signing
  code, and sent with the simulator's own transport (a new connection per request, and
  Slack's 3 s patience), so the bot sees exactly what Slack would send;
- request ``i`` goes to ``targets[i % len(targets)]`` (replicas share the load evenly);
- open loop: request ``i`` is due at ``i / rate`` seconds; thread ``k`` of ``n`` sends
  requests ``k, k+n, ...`` and waits for each one's due time, so a slow answer delays
  only that thread; latency counts from the due time, so a late start is charged to the
  server that made the thread late (no coordinated omission);
- closed loop: ``threads`` workers take the next request as soon as their previous one
  is answered;
- both are bounded: at most ``len(requests)`` requests and ``max_seconds`` of sending;
  whatever was not sent by then is counted as ``unsent``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
#: Status recorded when the bot refused the connection or reset it.
UNREACHABLE = -1


@dataclass(frozen=True)
class Request:
    body: str  # ASCII: form-encoded or JSON with escapes
    content_type: str
    label: str


@dataclass(frozen=True)
class Plan:
    targets: tuple[str, ...]
    secret: str
    requests: tuple[Request, ...]
    mode: Literal["open", "closed"]
    threads: int
    max_seconds: float
    rate: float = 0.0
    timeout: float = 3.0


@dataclass(frozen=True)
class Sample:
    index: int  # in ``Plan.requests``
    label: str
    target: int
    due: float  # seconds after the start; equals ``started`` in a closed loop
    started: float
    finished: float
    status: int

    @property
    def latency(self) -> float:
        """From the due time to the whole answer read (open loop: includes lateness)."""
        return self.finished - self.due

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Outcome:
    samples: tuple[Sample, ...]
    unsent: int
    wall: float  # seconds from the start to the last answer
    cpu_seconds: float  # the load generator's own CPU time while sending

    def of(self, label: str) -> list[Sample]:
        return [s for s in self.samples if s.label == label]

    @property
    def failed(self) -> int:
        return sum(1 for s in self.samples if not s.ok)


# ----- the parent's side ----------------------------------------------------------------


def run(plan: Plan, *, around: Callable[[], None] = lambda: None) -> Outcome:
    """Run ``plan`` in a child process; ``around()`` is called just before and just after
    the sending (CPU readings of the servers)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.load"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        child.stdin.write(json.dumps(asdict(plan)) + "\n")
        child.stdin.flush()
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("the load generator did not start")
        around()
        child.stdin.write("go\n")
        child.stdin.flush()
        line = child.stdout.readline()
        around()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if not line:
        raise RuntimeError(f"the load generator failed (exit status {child.returncode})")
    raw = json.loads(line)
    return Outcome(
        samples=tuple(Sample(**s) for s in raw["samples"]),
        unsent=raw["unsent"],
        wall=raw["wall"],
        cpu_seconds=raw["cpu_seconds"],
    )


# ----- the child's side -----------------------------------------------------------------


def _plan(raw: dict[str, object]) -> Plan:
    requests = raw.pop("requests")
    targets = raw.pop("targets")
    assert isinstance(requests, list)
    assert isinstance(targets, list)
    return Plan(
        requests=tuple(Request(**r) for r in requests),
        targets=tuple(targets),
        **raw,  # type: ignore[arg-type]
    )


def _sender(plan: Plan) -> Callable[[int], tuple[float, float, int]]:
    from slacksim.errors import BotUnreachable  # noqa: PLC0415 - child only
    from slacksim.signing import signed_headers  # noqa: PLC0415
    from slacksim.transport import post  # noqa: PLC0415

    bodies = [r.body.encode("ascii") for r in plan.requests]

    def send(i: int) -> tuple[float, float, int]:
        request = plan.requests[i]
        url = plan.targets[i % len(plan.targets)]
        started = time.perf_counter()
        headers = signed_headers(plan.secret, bodies[i], request.content_type)
        try:
            result = post(url, bodies[i], headers, plan.timeout)
            status = 0 if result.timed_out else result.status
        except BotUnreachable:
            status = UNREACHABLE
        return started, time.perf_counter(), status

    return send


def _execute(plan: Plan) -> dict[str, object]:
    send = _sender(plan)
    count = len(plan.requests)
    if plan.mode == "open":
        count = min(count, int(plan.rate * plan.max_seconds))
    results: list[tuple[int, float, float, float, int]] = []
    lock = threading.Lock()
    cursor = iter(range(count))
    start = time.perf_counter() + 0.05
    deadline = start + plan.max_seconds

    def open_worker(k: int) -> None:
        for i in range(k, count, plan.threads):
            due = start + i / plan.rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            if time.perf_counter() > deadline + 1.0:
                return
            began, ended, status = send(i)
            with lock:
                results.append((i, due, began, ended, status))

    def closed_worker(k: int) -> None:
        while True:
            with lock:
                i = next(cursor, None)
            if i is None or time.perf_counter() > deadline:
                return
            began, ended, status = send(i)
            with lock:
                results.append((i, began, began, ended, status))

    worker = open_worker if plan.mode == "open" else closed_worker
    cpu_before = time.process_time()
    while time.perf_counter() < start:
        time.sleep(0.001)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(plan.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_before
    samples = [
        {
            "index": i,
            "label": plan.requests[i].label,
            "target": i % len(plan.targets),
            "due": due - start,
            "started": began - start,
            "finished": ended - start,
            "status": status,
        }
        for i, due, began, ended, status in sorted(results)
    ]
    wall = max((ended for _, _, _, ended, _ in results), default=start) - start
    return {
        "samples": samples,
        "unsent": len(plan.requests) - len(results),
        "wall": wall,
        "cpu_seconds": cpu,
    }


def main() -> int:
    plan = _plan(json.loads(sys.stdin.readline()))
    _sender(plan)  # import everything before the parent starts its clocks
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 1
    print(json.dumps(_execute(plan)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
