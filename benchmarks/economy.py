"""3. Slack API economy: 500 votes on 50 story cards within 10 s, under Slack's limits.

One ``storymap run`` replica; the simulator enforces Slack's default limits
(``RateLimits.slack()``: chat.update is Tier 3, 50 a minute per workspace). Fifty people
with a budget of 10 react on the cards through the simulator's driver, 50 votes a
second, spread evenly, so every card ends with exactly 10 votes and the board with 500.

Measured: chat.update calls per card (the busiest card's most edits in any 1 s window,
goal <= 1); HTTP 429 answers from the simulator (goal 0); the time from the last vote's
ack until the board and all 50 cards show the final counts (goal <= 2 s).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import Row, Section, markdown_table
from benchmarks.stack import Stack, Store
from benchmarks.workshop import Workshop, add_people
from slacksim import ApiCall, SlackSimulator

CARDS = 50
VOTES = 500
SECONDS = 10.0
VOTERS = 50
BUDGET = VOTES // VOTERS
THREADS = 8
EDITS_GOAL = 1
SETTLE_GOAL = 2.0


def _plan(voters: list[str], cards: dict[str, str]) -> list[tuple[str, str]]:
    """(voter, card ts): voter v on cards v, v+5, ... (mod 50), a voter's votes 50 apart."""
    return [
        (voters[v], cards[f"S{(v + 5 * j) % CARDS + 1}"])
        for j in range(BUDGET)
        for v in range(VOTERS)
    ]


def _vote(sim: SlackSimulator, channel: str, plan: list[tuple[str, str]]) -> tuple[int, float]:
    """Send ``plan`` open-loop over ``SECONDS``; return (acked, time of the last ack)."""
    acked: list[float] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.05

    def worker(k: int) -> None:
        for i in range(k, len(plan), THREADS):
            pause = start + i * SECONDS / len(plan) - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            voter, ts = plan[i]
            delivery = sim.user(voter).react(channel, ts, "+1")
            if delivery.ok:
                with lock:
                    acked.append(time.time())

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(acked), max(acked, default=time.time())


def _board_right(sim: SlackSimulator, workshop: Workshop) -> bool:
    board = sim.message(workshop.channel, workshop.board_ts)
    return board is not None and f"{VOTES} votes cast" in json.dumps(board.blocks)


def _stale(sim: SlackSimulator, workshop: Workshop, cards: dict[str, str]) -> int:
    """How many of the board and the cards do not show the final counts yet."""
    wrong = 0
    for ts in cards.values():
        card = sim.message(workshop.channel, ts)
        wrong += card is None or f"({BUDGET} votes)" not in card.text
    return wrong + (not _board_right(sim, workshop))


def _peak(times: list[float]) -> int:
    """Most of ``times`` inside any half-open window of one second."""
    ordered, peak, low = sorted(times), 0, 0
    for high, t in enumerate(ordered):
        while t - ordered[low] >= 1.0:
            low += 1
        peak = max(peak, high - low + 1)
    return peak


@dataclass(frozen=True)
class Edits:
    """What the bot asked of the Web API from the first vote on."""

    peak: int  # most chat.update calls on one card within any 1 s window
    cards: int  # chat.update calls on cards
    board: int  # chat.update calls on the board
    during: int  # chat.update calls until the last vote's ack
    after: int  # chat.update calls after it
    limited: dict[str, int]  # 429 answers per method


@dataclass(frozen=True)
class Figures:
    acked: int
    edits: Edits
    board_after: float | None  # seconds from the last ack until the board is right
    settled_after: float | None  # seconds from the last ack; None: not within the bound
    wrong_at_end: int  # messages still showing a stale count when measuring stopped
    bound: float


def _edits(
    log: list[ApiCall], cards: dict[str, str], board_ts: str, since: float, last: float
) -> Edits:
    edits: dict[str, list[float]] = defaultdict(list)
    limited: Counter[str] = Counter()
    for call in log:
        if call.at < since:
            continue
        if call.status == 429:
            limited[call.method] += 1
        elif call.method == "chat.update" and call.response.get("ok"):
            edits[str(call.args.get("ts"))].append(call.at)
    card_ts = set(cards.values())
    on_cards = [times for ts, times in edits.items() if ts in card_ts]
    stamps = [t for times in edits.values() for t in times]
    return Edits(
        peak=max((_peak(t) for t in on_cards), default=0),
        cards=sum(len(t) for t in on_cards),
        board=len(edits.get(board_ts, [])),
        during=sum(1 for t in stamps if t <= last),
        after=sum(1 for t in stamps if t > last),
        limited=dict(limited),
    )


def run(store: Store, logs: Path, quick: bool) -> Section:
    bound = 5.0 if quick else 150.0
    with Stack(store, logs, "economy") as stack:
        sim = stack.sim
        with stack.setting_up():
            voters = add_people(sim, "0VTR", VOTERS)
            workshop = Workshop.open(stack, "#economy", voters)
            workshop.to_stories(activities=5, tasks_per_activity=2, stories=CARDS)
            workshop.to_voting(CARDS, budget=BUDGET)
        cards = workshop.cards()
        bot = stack.bot()
        sim.set_bot_endpoint(bot.events_url)
        since = time.time()
        acked, last = _vote(sim, workshop.channel, _plan(voters, cards))
        settled: float | None = None
        board: float | None = None
        while time.time() - last < bound:
            if board is None and _board_right(sim, workshop):
                board = time.time() - last
            if _stale(sim, workshop, cards) == 0:
                settled = time.time() - last
                break
            time.sleep(0.02)
        wrong = _stale(sim, workshop, cards)
        edits = _edits(sim.api_log, cards, workshop.board_ts, since, last)
    return _section(Figures(acked, edits, board, settled, wrong, bound))


def _section(f: Figures) -> Section:
    e = f.edits
    refused = sum(e.limited.values())
    settled = f"{f.settled_after:.2f} s" if f.settled_after is not None else f"> {f.bound:g} s"
    board = f"{f.board_after:.2f} s" if f.board_after is not None else f"> {f.bound:g} s"
    section = Section("3. Slack API economy")
    section.rows = [
        Row(
            "chat.update per card, busiest 1 s",
            f"{e.peak}",
            goal=f"<= {EDITS_GOAL}",
            met=e.peak <= EDITS_GOAL,
        ),
        Row("HTTP 429 answers", f"{refused}", goal="0", met=refused == 0),
        Row(
            "last vote -> the board's counts right",
            board,
            goal=f"<= {SETTLE_GOAL:g} s",
            met=f.board_after is not None and f.board_after <= SETTLE_GOAL,
        ),
        Row("last vote -> every card's count right too", settled),
    ]
    limited = ", ".join(f"{m} {n}" for m, n in sorted(e.limited.items())) or "none"
    section.details = [
        f"{VOTES} reaction votes ({f.acked} acked) from {VOTERS} people with a budget of "
        f"{BUDGET}, on {CARDS} story cards (10 votes each), sent evenly over {SECONDS:g} s "
        "through the simulator's driver to one `storymap run` replica; the simulator "
        "enforces Slack's default limits (chat.update: 50 a minute per workspace, bursts "
        "of 50).",
        "",
        *markdown_table(
            ("figure", "value"),
            [
                ("chat.update on cards", f"{e.cards} ({e.cards / CARDS:.1f} per card)"),
                ("chat.update on the board", f"{e.board}"),
                (f"chat.update while the votes came in ({SECONDS:g} s)", f"{e.during}"),
                ("chat.update after the last vote", f"{e.after}"),
                ("busiest card: most edits in any 1 s", f"{e.peak}"),
                ("429 answers", limited),
                ("last vote acked -> board right", board),
                ("last vote acked -> board and every card right", settled),
                ("messages still stale when measuring stopped", f"{f.wrong_at_end} of {CARDS + 1}"),
            ],
        ),
        "",
        "What the limits allow: when the last vote lands, all 51 messages (50 cards and the "
        "board) show a stale count, so each needs one more chat.update. Slack grants about "
        "50 a minute per workspace, so those 51 edits fit in 2 s only if nearly a whole "
        "minute's allowance is still unspent when voting ends, that is only if card edits "
        "are held back while votes come in; once the allowance is spent, each further edit "
        "waits about 1.2 s.",
    ]
    return section
