"""``python -m benchmarks [--quick] [name ...]``: benchmarks, a table, ``docs/benchmarks.md``.

With names (``python -m benchmarks idle``), only those run, and their sections replace
the same sections of the existing results file (``report.merge``), the others' kept.

Runs from a fresh checkout with only the project's virtualenv: the store is ``REDIS_URL``
(a scratch server: the benchmarks delete their own keys and the bot's rate-limit keys
there) or an embedded server in a temporary directory; Slack is the project's simulator;
everything listens on loopback only.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import economy, fleet, idle, latency, size, throughput
from benchmarks.cpu import Neighbours
from benchmarks.report import Section, machine, markdown, merge, terminal_table
from benchmarks.stack import ROOT, Store, open_store

NAMES = ("latency", "throughput", "economy", "size", "idle", "fleet")

PREAMBLE = [
    "What the bot costs compared with a bare Bolt app that only acks, measured in the same "
    "run on the same machine through the same HTTP stack (waitress, Bolt's WSGI adapter, "
    "`process_before_response=True`), with requests built and signed exactly as Slack "
    "sends them (the simulator's payload builders and signing code). These are "
    "benchmarks, not tests: nothing fails on a missed goal; the table says so. A full run "
    "takes about four minutes on two cores, `--quick` under one, plus about eleven "
    "minutes (one and a half with `--quick`) for the idle-cost benchmark, a third of it "
    "seeding 10,000 channels of history. `python -m benchmarks idle` runs one benchmark "
    "alone and puts its section in place of the same section of this file, the rest kept "
    "from the run that made it.",
]

METHOD = [
    "- **One small machine for everything.** The load generator, the simulated Slack, the "
    "bot's processes and the Redis-compatible server share the cores listed above, and so "
    "does anything else running there: each section ends with how much CPU other "
    "processes took while it ran. Ratios from the same run are the figures to trust; "
    "absolute milliseconds move with the machine and its neighbours.",
    "- **Bare and bot take turns.** Each latency kind, and the throughput benchmark, runs "
    "in rounds that alternate bare, bot, bare, bot..., so a change in the background "
    "load falls on both sides rather than on whichever ran second. In the throughput "
    "benchmark only the side being measured has processes running (an idle replica "
    "still polls the store).",
    "- **Python load generator** in a process of its own (the simulator never holds its "
    "interpreter lock while it times a request), a new TCP connection per request like "
    "the simulator's transport. Its cost is in both sides' latency alike; in the "
    "throughput benchmark it takes CPU the bare app would otherwise use (its CPU per "
    "request is shown), which flatters the bot's share.",
    "- **Open loop, latency from the due time**: a request a busy client thread sends late "
    "is charged its lateness, so queueing cannot hide (no coordinated omission); the "
    "late-start counts show how often it happened.",
    "- **The bot is measured whole**: its outbox dispatchers run during the measurement, "
    "poll the store and edit boards and cards against the simulator at Slack's pace, "
    "taking CPU from the request threads as they would in production. Server CPU per "
    "request (from `/proc`, Linux only) counts the bot's processes and the embedded store "
    "(not an external `REDIS_URL` server), and the bare app's process alone.",
    "- **The vote figures depend on how many votes came before.** The latency benchmark's "
    "votes all go to one workshop (as many voters as the run needs, hundreds), and a "
    "vote there costs more as ballots accumulate; the throughput benchmark spreads its "
    "votes over several workshops of a few hundred votes each.",
    "- **Setup is not measured and is not paced**: workshops are built through the "
    "simulator's users (slash commands) by an in-process replica with an unlimited Web API "
    "budget against a simulator without rate limits; that replica is then stopped and "
    "its channel leases released, Slack's default limits are restored, and only then do "
    "the measured `storymap run` processes start.",
    "- **Sample sizes are modest** so a full run takes about four minutes on two cores: a "
    "full run's p99 per kind rests on the 8 slowest of 800 requests, a quick run's on the "
    "2 slowest of 150. Expect ratios to move by a few tenths between runs.",
    "- **The economy benchmark runs once, on the real clock**, and waits at most 150 s "
    "(5 s with `--quick`) for the counts to settle.",
    "- **The idle-cost benchmark measures nothing happening**: its replicas serve a "
    "workspace of quiet workshops, with or without history, and no request arrives while "
    "its commands and CPU are counted; the two workspaces take turns, as bare and bot do. "
    "Its latencies are timed one request at a time on the simulator's clock, so they "
    "include the simulator's own handling but no queueing behind other load. `--quick` "
    "seeds 300 channels of history, not 10,000, and measures 3 s, not 20.",
    "- **`REDIS_URL` must name a scratch server**: the benchmarks delete their own keys "
    "and the bot's Web API budget keys (`storymap:rate:*`, `storymap:pause:*`) there.",
]


def _run(name: str, store: Store, logs: Path, quick: bool) -> Section:
    watch = Neighbours(store.pid)
    if name == "size":
        section = size.run(quick)
    else:
        module = {
            "latency": latency,
            "throughput": throughput,
            "economy": economy,
            "idle": idle,
            "fleet": fleet,
        }[name]
        section = module.run(store, logs, quick)
    section.details += ["", watch.summary()]
    return section


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (under a minute)")
    parser.add_argument(
        "names",
        nargs="*",
        metavar="name",
        help=f"run only these benchmarks ({', '.join(NAMES)}); default: all",
    )
    parser.add_argument(
        "--only", choices=NAMES, action="append", help="run only this benchmark (repeatable)"
    )
    parser.add_argument(
        "--output",
        default=str(ROOT / "docs" / "benchmarks.md"),
        help="where to write the results (default docs/benchmarks.md; '-' for nowhere)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(NAMES)})")
    chosen = set(args.names) | set(args.only or ())
    names = [n for n in NAMES if not chosen or n in chosen]
    work = Path(tempfile.mkdtemp(prefix="storymap-bench-"))
    sections: list[Section] = []
    try:
        with open_store(work / "store") as store:
            for name in names:
                print(f"running {name}...", flush=True)
                started = time.monotonic()
                section = _run(name, store, work, args.quick)
                print(f"  {name} took {time.monotonic() - started:.0f} s", flush=True)
                sections.append(section)
            host = machine(ROOT, store.version())
    finally:
        if args.keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(terminal_table(sections))
    if args.output != "-":
        command = "python -m benchmarks" + (" --quick" if args.quick else "")
        output = Path(args.output)
        if chosen and output.exists():
            command += " " + " ".join(names)
            text = merge(
                output.read_text(), sections, host, command, preamble=PREAMBLE, method=METHOD
            )
        else:
            text = markdown(sections, host, command, PREAMBLE, METHOD)
        output.write_text(text)
        print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
