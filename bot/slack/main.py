"""``storymap run``: the bot, wired together, in Socket Mode or HTTP mode.

``Bot`` composes the parts (store, service, Bolt app, dispatcher) so that tests, the demo
and ``storymap run`` start exactly the same thing; ``run()`` reads the settings and
serves until SIGTERM or Ctrl-C. It starts only when the store answers
(``StoreUnreachable`` otherwise) and Slack accepts the bot token (``SlackUnreachable``
otherwise); the ``storymap`` command prints either as one line.

With ``OAuthConfig`` (``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET``, no bot token) one
``Bot`` serves every workspace that installs it through Slack's OAuth flow: HTTP mode
only, a client per workspace (``bot.slack.clients``), and ``uninstall`` deleting a
workspace's installation and data when it leaves.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType
from typing import Final

import redis
from redis.exceptions import RedisClusterException
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import LogSettings, SlackSettings, StoreSettings, WorkSettings, load
from bot.logs import configure_logging
from bot.metrics import Metrics
from bot.service import WorkshopService, utc_now
from bot.slack.app import OAuthOptions, build_app
from bot.slack.binding import form_key
from bot.slack.budget import SlackBudget
from bot.slack.clients import StoreAuthorize, TeamClients
from bot.slack.deps import Deps
from bot.slack.dispatcher import Dispatcher
from bot.slack.home import HomeTabs
from bot.slack.http import http_server, wsgi_app
from bot.slack.performer import Performer
from bot.slack.scheduler import Scheduler
from bot.store import RedisClient
from bot.store.connect import store_client
from bot.store.due import Ready
from bot.store.gauges import StoreCollector, read_gauges
from bot.store.installations import (
    RedisInstallationStore,
    RedisOAuthStateStore,
    purge_enterprise,
    purge_team,
    token_cipher,
)
from bot.store.outbox import adopt_legacy_channels
from bot.store.workshops import WorkshopStore

log = logging.getLogger(__name__)

#: Seconds after an uninstall when the workspace's data is swept again: longer than a
#: Web API call's timeout, so work under way at the uninstall has met its refusal.
RESWEEP_S: Final = 40.0


class SlackUnreachable(Exception):
    """Slack's Web API did not answer, or refused the bot token, at startup."""


@dataclass(frozen=True)
class OAuthConfig:
    """Serve many workspaces through Slack's OAuth install (see ``SlackSettings``)."""

    client_id: str
    client_secret: str = field(repr=False)
    #: Fernet keys for the stored tokens; None: derived from ``client_secret``.
    token_key: str | None = field(default=None, repr=False)
    redirect_uri: str | None = None


class Bot:
    """One bot replica: Bolt app + outbox dispatcher on one Redis client."""

    def __init__(
        self,
        client: RedisClient,
        *,
        token: str,
        signing_secret: str,
        api_url: str,
        verify_token: bool = True,
        dispatch: bool = True,
        teams: frozenset[str] | None = None,
        edit_interval: float = 1.0,
        budget: SlackBudget | None = None,
        clock: Callable[[], datetime] = utc_now,
        retention_days: int | None = None,
        dispatch_threads: int = 8,
        oauth: OAuthConfig | None = None,
        resweep_s: float = RESWEEP_S,
    ) -> None:
        """``clock``: the time every part reads (tests pass a fake one and never sleep).
        ``oauth``: many workspaces, installed through OAuth (``token`` is unused).
        ``resweep_s``: when an uninstalled workspace's data is swept a second time."""
        self.redis = client
        if teams is None and verify_token and oauth is None:
            # A bot token belongs to one workspace: serve only it (its requests and its
            # channels' outboxes).
            probe = WebClient(token=token, base_url=api_url, timeout=10)
            teams = frozenset({str(probe.auth_test()["team_id"])})
        #: Where effects are signalled: one workspace's own shard when ``teams`` is known,
        #: else shards shared by every workspace (``bot.store.due``).
        self.ready = Ready(client, per_team=teams is not None)
        self.store = (
            WorkshopStore(client, ready=self.ready)
            if retention_days is None
            else WorkshopStore(client, retention_days=retention_days, ready=self.ready)
        )
        self.service = WorkshopService(self.store, clock)
        self._signing_secret = signing_secret
        # Filled in just below, before any request can arrive.
        self.teams: frozenset[str] | None = teams
        self.oauth = oauth is not None
        self._resweep_s = resweep_s
        self._sweeps: list[threading.Timer] = []
        options: OAuthOptions | None = None
        if oauth is not None:
            self.installations: RedisInstallationStore | None = RedisInstallationStore(
                client,
                token_cipher(token_key=oauth.token_key, client_secret=oauth.client_secret),
            )
            self._authorize: StoreAuthorize | None = StoreAuthorize(self.installations)
            options = OAuthOptions(
                client_id=oauth.client_id,
                client_secret=oauth.client_secret,
                installations=self.installations,
                states=RedisOAuthStateStore(client),
                authorize=self._authorize,
                uninstall=self.uninstall,
                redirect_uri=oauth.redirect_uri,
            )
        else:
            self.installations = None
            self._authorize = None
        #: The Home tab: published on opening, refreshed after changes (``bot.slack.home``).
        self.homes = HomeTabs(client, self.store, per_team=teams is not None, teams=teams)
        self.app = build_app(
            Deps(self.service, client, form_key(signing_secret or token), homes=self.homes),
            token=token,
            signing_secret=signing_secret,
            api_url=api_url,
            verify_token=verify_token,
            installed=self.installed,
            oauth=options,
        )
        self.clients = (
            TeamClients.installed(self.installations, api_url)
            if self.installations is not None
            else TeamClients.one(self.app.client)
        )
        self.homes.clients = self.clients
        self.teams = teams
        #: This replica's metrics (``GET /metrics``), with the store's gauges of its teams.
        self.metrics = Metrics()
        self.metrics.add_collector(StoreCollector(lambda: read_gauges(client, teams=teams)))
        team = next(iter(teams)) if teams and len(teams) == 1 else ""
        shared = budget or SlackBudget(client, team=team)
        self.scheduler = Scheduler(client, clock, teams=teams, ready=self.ready)
        self.dispatcher = Dispatcher(
            client,
            self.store,
            lambda: self._with_homes(
                Performer(
                    self.clients,
                    self.service,
                    client,
                    shared,
                    self.scheduler,
                    edit_interval=edit_interval,
                    clock=clock,
                    metrics=self.metrics,
                )
            ),
            ready=self.ready,
            teams=teams,
            threads=dispatch_threads,
        )
        self._dispatch = dispatch
        self._socket: SocketModeHandler | None = None
        self._server: object = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.url = ""

    def _with_homes(self, performer: Performer) -> Performer:
        performer.homes = self.homes
        return performer

    def installed(self, team_id: str) -> bool:
        """Whether requests from ``team_id`` are served: with OAuth, whether it has an
        installation (and is among the ``teams`` given, if any); else the bot token's
        workspace, or the ``teams`` given (every workspace when neither is known)."""
        if self.teams is not None and team_id not in self.teams:
            return False
        return not self.oauth or self.clients.get(team_id) is not None

    def uninstall(self, enterprise_id: str | None, team_id: str | None, org_wide: bool) -> None:
        """A workspace (or an org, for an org-wide install) left: its installation goes
        first, so its work stops at once, then every key of its data."""
        installs = self.installations
        if installs is None:
            return
        teams: list[str] = []
        if org_wide and enterprise_id:
            teams = installs.linked_teams(enterprise_id)
            installs.delete_all(enterprise_id=enterprise_id, team_id=None)
            for team in teams:
                self.clients.invalidate(team)
            purge_enterprise(self.redis, installs, enterprise_id)
        elif team_id:
            installs.delete_all(enterprise_id=None, team_id=team_id)
            self.clients.invalidate(team_id)
            purge_team(self.redis, team_id)
        if self._authorize is not None:
            self._authorize.forget(team_id, enterprise_id)
        # A batch already under way when the workspace left may still write a key or two
        # (a message reference, an edit mark) until its next call is refused: sweep again.
        # The org's workspaces are named now: the first purge deletes the org's list of them.
        sweep = threading.Timer(
            self._resweep_s, self._sweep, (enterprise_id, team_id, org_wide, teams)
        )
        sweep.daemon = True
        self._sweeps = [s for s in self._sweeps if s.is_alive()] + [sweep]
        sweep.start()

    def _sweep(
        self, enterprise_id: str | None, team_id: str | None, org_wide: bool, teams: list[str]
    ) -> None:
        installs = self.installations
        if installs is None:
            return
        try:
            if org_wide and enterprise_id:
                if (
                    installs.find_bot(
                        enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
                    )
                    is None
                ):
                    for team in teams:
                        if installs.bot_for_team(team) is None:  # not installed on its own
                            purge_team(self.redis, team)
                    purge_enterprise(self.redis, installs, enterprise_id)
            elif team_id and installs.bot_for_team(team_id) is None:  # not installed again
                purge_team(self.redis, team_id)
        except (redis.RedisError, RedisClusterException):
            log.warning("second sweep of workspace %s failed; its leftovers stay", team_id)

    def start_http(self, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> str:
        """Serve ``/slack/events`` and ``/healthz`` in a background thread; return the base URL."""
        server = http_server(
            wsgi_app(
                self.app, self.redis, signing_secret=self._signing_secret, metrics=self.metrics
            ),
            host=host,
            port=port,
            threads=threads,
        )
        self._server = server
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)
        self._thread.start()
        if self._dispatch:
            self.start_dispatchers()
        self.url = f"http://{host}:{server.effective_port}"  # type: ignore[union-attr]
        return self.url

    def start_socket_mode(self, app_token: str) -> None:
        """Connect to Slack over Socket Mode (``apps.connections.open`` at ``api_url``, with
        the app-level token) and return; requests are then served on the client's threads.
        The background work is started apart (``start_dispatchers``), as ``run`` does."""
        handler = SocketModeHandler(self.app, app_token)
        handler.connect()  # type: ignore[no-untyped-call]
        self._socket = handler

    def _serve(self) -> None:
        try:
            self._server.run()  # type: ignore[attr-defined]
        except OSError:
            # Closing waitress from another thread can break its select loop with EBADF.
            if not self._stopping:
                raise

    def start_dispatchers(self) -> None:
        """The background work: the outbox dispatcher and the job scheduler (after
        moving channels listed the old way to the indexes, once)."""
        adopt_legacy_channels(self.redis, self.ready, self.scheduler.index, self.teams)
        self.dispatcher.start()
        self.scheduler.start()
        self.homes.start()

    def stop_dispatchers(self) -> None:
        self.homes.stop()
        self.scheduler.stop()
        self.dispatcher.stop()

    def stop(self) -> None:
        self._stopping = True
        for sweep in self._sweeps:
            sweep.cancel()
        self.stop_dispatchers()
        if self._socket is not None:
            self._socket.close()  # type: ignore[no-untyped-call]
        if self._server is not None:
            self._server.close()  # type: ignore[attr-defined]
        if self._thread is not None:
            self._thread.join(5)


def check_slack(slack: SlackSettings) -> None:
    """Raise ``SlackUnreachable`` (one line) unless Slack accepts the bot token now.

    One quiet ``auth.test`` before anything else calls Slack: no retries, and the Web
    API client's own error log is off, so the failure is told once, by the caller.
    """
    if slack.bot_token is None:
        return  # OAuth mode: each workspace's token is checked by its installation
    quiet = logging.getLogger(f"{__name__}.check_slack")
    quiet.disabled = True
    probe = WebClient(
        token=slack.bot_token.get_secret_value(),
        base_url=slack.api_url,
        timeout=10,
        logger=quiet,
        retry_handlers=[],
    )
    where = f"cannot use Slack's Web API at {slack.api_url} (SLACK_API_URL) with SLACK_BOT_TOKEN"
    try:
        probe.auth_test()
    except SlackApiError as refused:
        raise SlackUnreachable(f"{where}: {refused.response.get('error')}") from None
    except OSError as problem:  # urllib's URLError, a refused connection, a timeout
        reason = getattr(problem, "reason", None) or problem
        raise SlackUnreachable(f"{where}: {reason}") from None


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def run(*, serve: bool = True) -> int:
    """``storymap run`` (``serve``) or ``storymap worker`` (only the background work:
    outbox dispatchers and the job scheduler, for those who run them apart)."""
    configure_logging(load(LogSettings))
    slack = load(SlackSettings)
    _stop_on_sigterm()
    stored = load(StoreSettings)
    work = load(WorkSettings)
    with store_client(stored) as client:
        secret = slack.signing_secret.get_secret_value() if slack.signing_secret else ""
        check_slack(slack)
        oauth = None
        if slack.bot_token is None and slack.client_id and slack.client_secret:
            oauth = OAuthConfig(
                client_id=slack.client_id,
                client_secret=slack.client_secret.get_secret_value(),
                token_key=slack.token_key.get_secret_value() if slack.token_key else None,
                redirect_uri=slack.redirect_uri,
            )
        bot = Bot(
            client,
            token=slack.bot_token.get_secret_value() if slack.bot_token else "",
            signing_secret=secret,
            api_url=slack.api_url,
            retention_days=stored.retention_days,
            dispatch_threads=work.dispatch_threads,
            oauth=oauth,
        )
        bot.start_dispatchers()
        try:
            if not serve:
                log.info("storymap: worker (dispatchers and scheduler only)")
                threading.Event().wait()
            elif slack.socket_mode and slack.app_token is not None:
                served = wsgi_app(None, client, metrics=bot.metrics)
                health = http_server(served, host="0.0.0.0", port=slack.port)  # noqa: S104
                threading.Thread(target=health.run, name="healthz", daemon=True).start()
                log.info("storymap: Socket Mode; /healthz and /metrics on port %d", slack.port)
                bot.start_socket_mode(slack.app_token.get_secret_value())
                threading.Event().wait()
            else:
                everywhere = "0.0.0.0"  # noqa: S104 - a container's port must be reachable
                server = http_server(
                    wsgi_app(bot.app, client, signing_secret=secret, metrics=bot.metrics),
                    host=everywhere,
                    port=slack.port,
                )
                log.info(
                    "storymap: HTTP mode on port %d (POST /slack/events%s)",
                    slack.port,
                    ", GET /slack/install, GET /slack/oauth_redirect" if oauth else "",
                )
                server.run()
        except KeyboardInterrupt:
            pass
        finally:
            bot.stop_dispatchers()
    return 0
