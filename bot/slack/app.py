"""The Bolt app: one ``App`` with every listener, talking to ``SLACK_API_URL``.

``process_before_response=True``: listeners do one atomic Redis step and queue the rest
in the outbox, so they finish in milliseconds and can run before the HTTP response;
Bolt's default (ack first, run later in a thread) polls for the ack every 10 ms, which
would put a floor under every response for nothing. The exception is a form: the ack
is sent first, and the form is opened right after by a lazy listener on
``FORM_THREADS`` threads of this process (``bot.slack.forms``).

Two gates run before any listener, in this order:

- workspace: a request from a workspace storymap is not installed in changes nothing.
  A slash command is answered (ephemerally) that storymap is not installed there;
  anything else is acknowledged with an empty 200, so Slack does not retry it.
  ``installed`` decides: with one bot token, "the token's workspace"; with many
  workspaces (``OAuthOptions``), "the installation store has it". In that mode Bolt's
  own authorization (``bot.slack.clients.StoreAuthorize``) runs first and answers a
  request from a workspace without an installation with ``NOT_INSTALLED`` (through the
  ``response_url`` when there is one) before any listener. ``app_uninstalled`` and
  ``tokens_revoked`` always pass: their listener deletes the workspace's data, and does
  it again when Slack retries the event;
- replay: a signed request whose signature was already seen is acknowledged with an
  empty 200 and not run again (``X-Slack-Signature`` covers the body and the
  timestamp, so only a byte-for-byte replay repeats it). The mark is kept for
  ``REPLAY_TTL_S``, longer than the ±5 minutes a timestamp is accepted for. Slack's own
  retries of events are signed afresh and pass; the event's ``event_id`` makes their
  effects happen once (see ``WorkshopStore``). Socket Mode requests carry no signature
  and skip this gate. So do reactions (``SELF_DEDUPLICATED``), the hottest requests:
  a reaction either changes nothing or is a vote, whose script marks the ``event_id``
  seen before anything else, for ``SEEN_TTL_SECONDS`` (longer than ``REPLAY_TTL_S``),
  so a replay of one is answered as a duplicate, changing and telling nothing; the
  gate would only add a round trip to the store.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, cast
from urllib.parse import urljoin

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.slack import errors
from bot.slack.clients import BOT_SCOPES, StoreAuthorize
from bot.slack.deps import Deps
from bot.slack.listeners import home, installs, register
from bot.store.installations import RedisInstallationStore, RedisOAuthStateStore
from bot.store.keys import replay_key

log = logging.getLogger(__name__)

NOT_INSTALLED: Final = "storymap is not installed in this workspace."
#: Threads opening forms after their click's ack (Bolt's lazy listeners). A form opens
#: in well under a second; a 429 retried within the trigger's life holds one for up to
#: 3 s.
FORM_THREADS: Final = 16
#: How long a seen signature is remembered: the ±300 s Slack's timestamps are accepted
#: for (so a replay can come up to 10 minutes after the original), plus a minute.
REPLAY_TTL_S: Final = 660


def web_client(token: str, api_url: str) -> WebClient:
    """A Web API client; 429s are handled by the performer (shared pause, then retry)."""
    return WebClient(token=token, base_url=api_url)


@dataclass(frozen=True)
class OAuthOptions:
    """Many workspaces: Slack's OAuth v2 install (``GET /slack/install``,
    ``GET /slack/oauth_redirect``) and a bot token per installed workspace."""

    client_id: str
    client_secret: str = field(repr=False)
    installations: RedisInstallationStore
    states: RedisOAuthStateStore
    authorize: StoreAuthorize
    #: Called with (enterprise id, team id, org-wide) on ``app_uninstalled`` and on a
    #: ``tokens_revoked`` naming the bot.
    uninstall: Callable[[str | None, str | None, bool], None]
    redirect_uri: str | None = None


def _token_safe_logger() -> logging.Logger:
    """The install's Web API client logs no response body: at DEBUG, slack_sdk logs each
    body, and ``oauth.v2.access`` answers with the new bot token."""
    quiet = logging.getLogger("bot.slack.oauth.web")
    quiet.setLevel(logging.INFO)
    return quiet


def authorization_url(api_url: str) -> str:
    """Slack's authorize page next to its Web API (``https://slack.com/oauth/v2/authorize``
    for ``https://slack.com/api/``), so a local Slack serves both."""
    return urljoin(api_url, "../oauth/v2/authorize")


UNINSTALL_EVENTS: Final = frozenset({"app_uninstalled", "tokens_revoked"})


def is_uninstall(body: dict[str, Any]) -> bool:
    event = body.get("event")
    return (
        body.get("type") == "event_callback"
        and isinstance(event, dict)
        and event.get("type") in UNINSTALL_EVENTS
    )


#: Event types whose listener dedupes on ``event_id`` before any effect, in the same
#: atomic step as the change: the replay gate is not needed for them.
SELF_DEDUPLICATED: Final = frozenset({"reaction_added", "reaction_removed"})


def deduplicated_by_event_id(body: dict[str, object]) -> bool:
    """An event callback with an ``event_id`` whose listener dedupes on it itself."""
    event = body.get("event")
    return (
        body.get("type") == "event_callback"
        and bool(body.get("event_id"))
        and isinstance(event, dict)
        and event.get("type") in SELF_DEDUPLICATED
    )


def not_installed_response(request: BoltRequest) -> BoltResponse:
    if "command" in request.body:
        text = json.dumps({"response_type": "ephemeral", "text": NOT_INSTALLED})
        return BoltResponse(status=200, body=text, headers={"content-type": "application/json"})
    return BoltResponse(status=200, body="")


def build_app(
    deps: Deps,
    *,
    token: str,
    signing_secret: str,
    api_url: str,
    verify_token: bool = True,
    installed: Callable[[str], bool] | None = None,
    oauth: OAuthOptions | None = None,
) -> App:
    """``installed``: whether a team id is a workspace storymap serves (None: every one).
    ``oauth``: serve many workspaces, each with its installation's token (``token`` is
    then unused)."""
    common: dict[str, Any] = {
        "signing_secret": signing_secret,
        "process_before_response": True,
        "listener_executor": ThreadPoolExecutor(FORM_THREADS, thread_name_prefix="forms"),
        "logger": logging.getLogger("bot.slack.bolt"),
    }
    if oauth is None:
        app = App(
            client=web_client(token, api_url), token_verification_enabled=verify_token, **common
        )
    else:
        settings = OAuthSettings(
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=oauth.redirect_uri,
            authorization_url=authorization_url(api_url),
            installation_store=oauth.installations,
            state_store=oauth.states,
            logger=logging.getLogger("bot.slack.oauth"),
        )
        app = App(
            # No token: each request's client gets its workspace's token (authorize), and
            # the install's oauth.v2.access goes to SLACK_API_URL through this client.
            client=WebClient(base_url=api_url, logger=_token_safe_logger()),
            oauth_settings=settings,
            installation_store=oauth.installations,
            # Bolt types it as returning a result; None (not installed) is what it checks.
            authorize=cast("Callable[..., AuthorizeResult]", oauth.authorize),
            user_facing_authorize_error_message=NOT_INSTALLED,
            **common,
        )
    # Bolt logs the whole body of a request that fails its check, at INFO. Requests are
    # verified before Bolt sees them (bot.slack.http); this keeps a request that
    # crosses the 5-minute limit in between out of the log too.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)

    @app.middleware
    def only_installed(request: BoltRequest, next: Callable[[], None]) -> BoltResponse | None:
        team = request.context.team_id
        if (
            installed is None
            or (team is not None and installed(team))
            or is_uninstall(request.body)
        ):
            next()
            return None
        log.info("ignored a request from workspace %s, where storymap is not installed", team)
        return not_installed_response(request)

    @app.middleware
    def not_replayed(request: BoltRequest, next: Callable[[], None]) -> BoltResponse | None:
        signature = request.headers.get("x-slack-signature", [""])[0]
        if (
            not signature
            or deduplicated_by_event_id(request.body)
            or deps.redis.set(replay_key(signature), b"1", nx=True, ex=REPLAY_TTL_S)
        ):
            next()
            return None
        log.info("ignored a replayed request (its signature was already handled)")
        return BoltResponse(status=200, body="")

    register(app, deps)
    if deps.homes is not None:
        home.register(app, deps, deps.homes)
    if oauth is not None:
        installs.register(app, oauth.uninstall)
    errors.register(app)
    return app
