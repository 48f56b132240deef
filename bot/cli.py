"""The ``storymap`` command: run the bot, run the demo, look at a workshop, draw its map.

Configuration problems end the command with one line on stderr naming the variable
(exit status 2); a store or a Slack that cannot be reached ends it with one line naming
what and where (exit status 3). Nothing else is printed for them: no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import redis
from redis.exceptions import RedisClusterException

from bot.config import ConfigError, StoreSettings, load
from bot.store.connect import StoreUnreachable, store_client
from bot.store.workshops import WorkshopStore

EXIT_CONFIG = 2
EXIT_UNREACHABLE = 3


def _state(args: argparse.Namespace) -> int:
    with store_client(load(StoreSettings)) as client:
        store = WorkshopStore(client)
        if args.history:
            for finished in store.history(args.team, args.channel):
                print(finished.model_dump_json(indent=2))
            return 0
        workshop = (
            store.get(args.team, args.channel, args.number)
            if args.number
            else store.load(args.team, args.channel)
        )
    if workshop is None:
        which = f"workshop {args.number}" if args.number else "active workshop"
        print(f"storymap: no {which} in {args.team}/{args.channel}", file=sys.stderr)
        return 1
    print(workshop.model_dump_json(indent=2))
    return 0


def _render(args: argparse.Namespace) -> int:
    from bot.render.picture import render_map  # noqa: PLC0415 - Pillow only when drawing

    with store_client(load(StoreSettings)) as client:
        workshop = WorkshopStore(client).latest(args.team, args.channel)
    if workshop is None:
        print(f"storymap: no workshop in {args.team}/{args.channel}", file=sys.stderr)
        return 1
    try:
        args.out.write_bytes(render_map(workshop))
    except OSError as problem:
        print(f"storymap: cannot write {args.out}: {problem.strerror}", file=sys.stderr)
        return 1
    print(f"wrote workshop {workshop.number} ({workshop.stage.label}) to {args.out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot.render import exports  # noqa: PLC0415

    with store_client(load(StoreSettings)) as client:
        workshop = WorkshopStore(client).latest(args.team, args.channel)
    if workshop is None:
        print(f"storymap: no workshop to export in {args.team}/{args.channel}", file=sys.stderr)
        return 1
    text = exports.FORMATS[args.format].render(workshop)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    print(
        f"wrote workshop {workshop.number} ({workshop.stage.value}) as {args.format} to {args.out}"
    )
    return 0


def _import(args: argparse.Namespace) -> int:
    import html  # noqa: PLC0415
    from datetime import UTC, datetime  # noqa: PLC0415

    from bot.domain.errors import Rejected  # noqa: PLC0415
    from bot.domain.imported import import_map  # noqa: PLC0415
    from bot.render.exports import MapImportError, json_import  # noqa: PLC0415

    try:
        with open(args.file, encoding="utf-8") as source:
            text = source.read()
    except (OSError, UnicodeDecodeError) as problem:
        print(f"storymap: cannot read {args.file}: {problem}", file=sys.stderr)
        return 1
    try:
        imported = json_import(text)
    except MapImportError as problem:
        print(f"storymap: {args.file}: {problem}", file=sys.stderr)
        return 1
    with store_client(load(StoreSettings)) as client:
        try:
            step = WorkshopStore(client).update(
                args.team,
                args.channel,
                lambda current: import_map(
                    current,
                    imported,
                    team_id=args.team,
                    channel_id=args.channel,
                    facilitator=args.facilitator,
                    now=datetime.now(UTC),
                ),
            )
        except Rejected as refusal:
            print(f"storymap: {html.unescape(refusal.message)}", file=sys.stderr)
            return 1
    assert step.outcome is not None  # no delivery id: never a duplicate
    saved = step.outcome.state
    print(
        f"imported {saved.title!r} into {args.team}/{args.channel} as workshop "
        f"{saved.number}, at {saved.stage.value}"
    )
    return 0


def _outbox(args: argparse.Namespace) -> int:
    from redis.exceptions import RedisClusterException, RedisError  # noqa: PLC0415

    from bot.store import outbox  # noqa: PLC0415

    try:
        with store_client(load(StoreSettings)) as client:
            entries = outbox.listing(client, args.team, args.channel)
            moved = outbox.retry_parked(client, args.team, args.channel) if args.retry else []
    except (RedisError, RedisClusterException) as failure:
        reason = type(failure).__name__
        print(f"storymap: cannot reach the store ({reason}); is REDIS_URL right?", file=sys.stderr)
        return 1
    for entry in entries:
        print(entry.line())
    if not entries:
        print(f"nothing pending or parked in {args.team}/{args.channel}")
    for parked_id, new_id in moved:
        print(f"retried parked {parked_id} as {new_id}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.slack.main import SlackUnreachable, run  # noqa: PLC0415 - keeps `state` free of Slack imports

    try:
        return run()
    except SlackUnreachable as problem:
        print(f"storymap: {problem}", file=sys.stderr)
        return EXIT_UNREACHABLE


def _worker(args: argparse.Namespace) -> int:
    from bot.slack.main import SlackUnreachable, run  # noqa: PLC0415

    try:
        return run(serve=False)
    except SlackUnreachable as problem:
        print(f"storymap: {problem}", file=sys.stderr)
        return EXIT_UNREACHABLE


def _demo(args: argparse.Namespace) -> int:
    # The simulator is only for the demo: imported when it runs.
    if args.scheduled:
        from bot.demo_scheduled import main as scheduled  # noqa: PLC0415

        return scheduled(edit=args.edit)
    from bot.demo import main as demo  # noqa: PLC0415

    return demo()


Handler = Callable[[argparse.Namespace], int]


def _channel_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Handler,
    *,
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand about one channel: its first arguments are the team and channel ids."""
    command = commands.add_parser(name, help=help, description=description)
    command.add_argument("team", help="Slack team id, e.g. T0123ABC")
    command.add_argument("channel", help="Slack channel id, e.g. C0456DEF")
    command.set_defaults(handler=handler)
    return command


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="storymap",
        description="A Slack bot that runs User Story Mapping workshops in a team channel.",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="start the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP on PORT)",
        description=(
            "Start the bot. Needs SLACK_BOT_TOKEN, and SLACK_APP_TOKEN (Socket Mode) or "
            "SLACK_SIGNING_SECRET (HTTP mode on PORT, POST /slack/events). Storage: "
            "REDIS_URL, or an embedded server with data in STORYMAP_DATA_DIR."
        ),
    )
    run.set_defaults(handler=_run)
    worker = commands.add_parser(
        "worker",
        help="only the background work: Slack effects and scheduled reminders (no HTTP)",
        description=(
            "Run the outbox dispatchers and the job scheduler without serving Slack's "
            "requests; same environment as `storymap run`. Every `storymap run` does this "
            "work too, so workers are optional."
        ),
    )
    worker.set_defaults(handler=_worker)
    demo = commands.add_parser(
        "demo", help="run a whole workshop against the built-in Slack simulator"
    )
    demo.add_argument(
        "--scheduled",
        action="store_true",
        help="the workshop runs itself on an accelerated clock: started with a schedule, "
        "moved on at each deadline, its proposed release plan approved; prints the "
        "facilitator's actions",
    )
    demo.add_argument(
        "--edit",
        action="store_true",
        help="with --scheduled: the facilitator edits the proposed plan before approving it",
    )
    demo.set_defaults(handler=_demo)
    state = _channel_command(
        commands, "state", _state, help="print a channel's workshop as JSON (for operators)"
    )
    state.add_argument("--number", type=int, help="a finished workshop's number")
    state.add_argument("--history", action="store_true", help="print every finished workshop")
    export = _channel_command(
        commands,
        "export",
        _export,
        help="write a channel's map as a Jira CSV, Markdown or JSON",
        description=(
            "Export the channel's active workshop, or else its latest finished one: "
            "jira (CSV for Jira's and Linear's importers), markdown, or json (read back "
            "by `storymap import`). Written to stdout unless --out is given."
        ),
    )
    export.add_argument("--format", required=True, choices=("jira", "markdown", "json"))
    export.add_argument("--out", help="file to write (default: stdout)")
    imports = _channel_command(
        commands,
        "import",
        _import,
        help="recreate a map from a JSON export as the channel's new workshop",
        description=(
            "Read a `storymap export --format json` file and make it the channel's new "
            "workshop (refused while the channel has an active one). An open map resumes "
            "at its stage; a published one at slicing; a cancelled one at the first stage "
            "with work missing."
        ),
    )
    imports.add_argument("file", help="the JSON export to read")
    imports.add_argument(
        "--facilitator", help="Slack user id who facilitates (default: the map's facilitator)"
    )
    render = _channel_command(
        commands,
        "render",
        _render,
        help="draw a channel's map as a PNG (the active workshop, else the last finished one)",
    )
    render.add_argument("--out", type=Path, default=Path("map.png"), help="default: map.png")
    queued = _channel_command(
        commands,
        "outbox",
        _outbox,
        help="list a channel's pending and parked Slack effects; retry the parked ones",
        description=(
            "One line per entry: pending (lane, id, workshop, failed attempts, deliveries, "
            "effect kinds, last error) then parked (failed for good). With --retry, "
            "parked entries go back to their lane to be performed again; effects they "
            "already performed are not repeated."
        ),
    )
    queued.add_argument(
        "--retry", action="store_true", help="send the parked entries back to be performed"
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ConfigError as problem:
        print(f"storymap: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreUnreachable as problem:
        print(f"storymap: {problem}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except (redis.RedisError, RedisClusterException) as problem:
        # The store answered when opened, then failed (a timeout, a restart).
        print(f"storymap: Redis failed: {problem}", file=sys.stderr)
        return EXIT_UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
