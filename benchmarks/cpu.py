"""CPU time, from ``/proc`` (Linux): of one process, and of everything else on the machine.

Rules kept: a process that is gone or unknown reads as 0 CPU seconds, never an error (a
benchmark's figure without it says "0", and the method says where these come from);
``Neighbours`` counts as ours this process, every child it has waited for, and the
embedded store, so it must be read after the benchmark's processes were stopped.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of process ``pid`` (all its threads); 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def thread_cpu_seconds(pid: int) -> float | None:
    """CPU time of process ``pid``'s live threads to the nanosecond (the scheduler's
    ``/proc/<pid>/task/*/schedstat``), for readings of a mostly idle process where a
    10 ms clock tick is too coarse; None when the kernel does not keep it. Threads that
    ended between two readings are missing from the later one."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    total = 0
    for task in tasks:
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            if not task.exists():
                continue  # the thread ended while we read
            return None
    return total / 1e9


def _machine_ticks() -> tuple[int, int]:
    """(busy, steal) CPU ticks of the whole machine since boot, from ``/proc/stat``."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return 0, 0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in first[1:9])
    return user + nice + system + irq + softirq, steal


def _own_seconds(store_pid: int | None) -> float:
    """CPU time of this process, its reaped children and the embedded store."""
    times = os.times()
    mine = times.user + times.system + times.children_user + times.children_system
    return mine + cpu_seconds(store_pid)


class Neighbours:
    """How much CPU the rest of the machine took while a benchmark ran.

    Everything a benchmark starts is this process, a child it waits for, or the embedded
    store; whatever else the machine was busy with (other people's test runs, a
    hypervisor's steal) competed with the measurement and is reported with it.
    """

    def __init__(self, store_pid: int | None) -> None:
        self._store_pid = store_pid
        self._start = (time.monotonic(), *_machine_ticks(), _own_seconds(store_pid))
        self.load_before = os.getloadavg()[0]

    def summary(self) -> str:
        began, busy0, steal0, own0 = self._start
        busy1, steal1 = _machine_ticks()
        wall = time.monotonic() - began
        cores = os.cpu_count() or 1
        others = max(0.0, (busy1 - busy0) / _TICKS - (_own_seconds(self._store_pid) - own0))
        steal = (steal1 - steal0) / _TICKS
        return (
            f"Other processes on the machine used {others / wall / cores:.0%} of its "
            f"{cores} cores during this benchmark ({others:.1f} CPU s in {wall:.0f} s; "
            f"hypervisor steal {steal:.1f} s; 1-min load average {self.load_before:.1f} "
            "when it started)."
        )
