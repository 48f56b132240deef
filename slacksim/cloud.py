"""``SlackCloud``: several simulated workspaces behind one Web API, and the OAuth install.

One app (one client id and secret, one signing secret) meets several workspaces, each
a ``SlackSimulator`` with its own team id, users, channels and bot token, as Slack is
one service holding many workspaces.

Rules kept:
- one front server: ``api_url`` serves the Web API of every workspace. A call acts in
  the workspace its bearer token (or ``token`` argument) belongs to, so a call with
  workspace A's token on workspace B's channel fails there as Slack answers it
  (``channel_not_found``). A token not issued by an install yet, or unknown, is
  ``invalid_auth``; a token of an uninstalled workspace is ``token_revoked``;
- every Web API call through the front is recorded (``calls``) with the workspace of
  its token and the workspace owning the channel it names, if any, so a test can check
  that no call used another workspace's token (``wrong_token_calls``);
- object ids of different workspaces never collide (each starts its own range);
- the OAuth v2 install, as a browser drives it (``install``): GET the app's
  ``/slack/install`` page, keep its state cookie, follow its link to
  ``GET /oauth/v2/authorize`` on this server (the user approves in the workspace named
  by the ``sim_team`` cookie, which stands for the browser's Slack session), which
  redirects to the app's redirect URL with a one-time ``code`` and the ``state``; GET
  that with the cookie. The app then calls ``oauth.v2.access`` (client id and secret
  as form fields or HTTP basic auth, ``code``, ``redirect_uri``), which answers Slack's
  v2 shape (``access_token`` xoxb-..., ``token_type`` bot, ``scope``, ``bot_user_id``,
  ``app_id``, ``team``, ``enterprise``, ``is_enterprise_install``, ``authed_user``);
  a code unknown or used already is ``invalid_code``;
- ``uninstall`` revokes the workspace's token and sends ``app_uninstalled``, signed,
  as Slack does.
"""

from __future__ import annotations

import base64
import html
import http.client
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from slacksim.answers import HttpAnswer
from slacksim.delivery import Delivery
from slacksim.gateway import _arguments
from slacksim.ratelimit import RateLimits
from slacksim.server import SimulatorServer
from slacksim.simulator import SlackSimulator
from slacksim.state import Identity, Workspace
from slacksim.webapi.context import ApiError

#: Ids of each workspace start this far apart.
ID_RANGE = 100_000_000
#: The cookie standing for a browser's Slack session in one workspace.
SESSION_COOKIE = "sim_team"


@dataclass(frozen=True)
class CloudCall:
    """One Web API call through the front."""

    method: str
    #: The workspace whose token the call carried (None: no known token).
    token_team: str | None
    #: The channel the call named and the workspace owning it (None: none, or unknown).
    channel: str | None
    channel_team: str | None
    error: str | None
    at: float


@dataclass(frozen=True)
class PageAnswer:
    """An HTTP answer of the app, as a browser received it."""

    status: int
    headers: Mapping[str, str]
    body: str


@dataclass(frozen=True)
class _Grant:
    team_id: str
    redirect_uri: str
    scopes: str
    installer: str


class SlackCloud:
    def __init__(
        self,
        *,
        signing_secret: str,
        client_id: str,
        client_secret: str,
        app_id: str = "A0SIMAPP01",
        rate_limits: RateLimits | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.signing_secret = signing_secret
        self.client_id = client_id
        self._client_secret = client_secret
        self.app_id = app_id
        self._rate_limits = rate_limits
        self._host = host
        self._lock = threading.Lock()
        self._workspaces: dict[str, SlackSimulator] = {}
        self._enterprises: dict[str, tuple[str, str] | None] = {}
        self._issued: dict[str, str] = {}  # token -> team, once installed
        self._revoked: set[str] = set()
        self._codes: dict[str, _Grant] = {}
        self._calls: list[CloudCall] = []
        self._app_url = ""
        front = Workspace(
            Identity("", "", "", "", "", app_id, "", "", "")  # only tracks in-flight calls
        )
        self._server = SimulatorServer(host, 0, self._route, front)
        self.base_url = f"http://{host}:{self._server.port}/"
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> SlackCloud:
        if not self._started:
            self._server.start()
            self._started = True
        return self

    def close(self) -> None:
        for sim in list(self._workspaces.values()):
            sim.close()
        self._server.stop()
        self._started = False

    def __enter__(self) -> SlackCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def api_url(self) -> str:
        """The Web API of every workspace (``SLACK_API_URL``)."""
        return f"{self.base_url}api/"

    # -- workspaces ----------------------------------------------------------------------

    def add_workspace(
        self,
        team_id: str,
        *,
        name: str | None = None,
        enterprise: tuple[str, str] | None = None,
    ) -> SlackSimulator:
        """A new workspace (``enterprise``: the (id, name) of its Enterprise Grid org)."""
        with self._lock:
            if team_id in self._workspaces:
                raise ValueError(f"workspace {team_id} exists already")
            number = len(self._workspaces) + 1
        sim = SlackSimulator(
            signing_secret=self.signing_secret,
            bot_token=f"xoxb-{number}-{secrets.token_hex(12)}",
            team_id=team_id,
            team_domain=team_id.lower(),
            team_name=name or f"Workspace {team_id}",
            bot_user_id=f"U0BOT{number:05d}",
            bot_id=f"B0BOT{number:05d}",
            app_id=self.app_id,
            rate_limits=self._rate_limits,
            host=self._host,
            first_id=number * ID_RANGE,
        ).start()
        with self._lock:
            self._workspaces[team_id] = sim
            self._enterprises[team_id] = enterprise
        if self._app_url:
            sim.set_bot_endpoint(self._app_url + "/slack/events")
        return sim

    def workspace(self, team_id: str) -> SlackSimulator:
        return self._workspaces[team_id]

    def workspaces(self) -> Iterator[SlackSimulator]:
        yield from list(self._workspaces.values())

    def set_app_url(self, url: str) -> None:
        """The app's base URL: every workspace sends its requests to ``/slack/events``
        there, and the install redirects to ``/slack/oauth_redirect`` there."""
        self._app_url = url.rstrip("/")
        for sim in self.workspaces():
            sim.set_bot_endpoint(self._app_url + "/slack/events")

    def token_of(self, team_id: str) -> str:
        return self._workspaces[team_id].identity.bot_token

    # -- the record ------------------------------------------------------------------------

    @property
    def calls(self) -> list[CloudCall]:
        with self._lock:
            return list(self._calls)

    def wrong_token_calls(self) -> list[CloudCall]:
        """Calls naming a channel of one workspace with another workspace's token."""
        return [
            call
            for call in self.calls
            if call.channel_team is not None and call.channel_team != call.token_team
        ]

    def calls_with_token_of(self, team_id: str) -> list[CloudCall]:
        return [call for call in self.calls if call.token_team == team_id]

    # -- installing ------------------------------------------------------------------------

    def install(self, team_id: str, *, installer: str = "U0INSTALL1") -> PageAnswer:
        """Install the app in ``team_id`` as a browser does (see the module's rules);
        return the app's answer to the redirect."""
        if not self._app_url:
            raise ValueError("set_app_url first")
        page = _get(self._app_url + "/slack/install")
        cookie = page.headers.get("set-cookie", "").split(";")[0]
        if page.status in (301, 302, 303, 307):
            authorize = page.headers.get("location", "")
        else:
            match = re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', page.body)
            authorize = html.unescape(match.group(1)) if match else ""
        if not authorize.startswith(self.base_url):
            raise AssertionError(f"the install page links to {authorize!r}, not this Slack")
        approved = _get(authorize, {"Cookie": f"{SESSION_COOKIE}={team_id}; installer={installer}"})
        location = approved.headers.get("location")
        if approved.status != 302 or not location:
            raise AssertionError(f"authorize answered {approved.status}: {approved.body}")
        return _get(location, {"Cookie": cookie} if cookie else {})

    def uninstall(self, team_id: str) -> Delivery:
        """The workspace uninstalls the app: its token is revoked at once, then Slack
        sends ``app_uninstalled``."""
        self.revoke(team_id)
        return self._workspaces[team_id].driver.app_uninstalled()

    def revoke(self, team_id: str) -> None:
        """The workspace's bot token stops working (``token_revoked``)."""
        with self._lock:
            self._revoked.add(self.token_of(team_id))

    # -- the front server ------------------------------------------------------------------

    def _route(
        self, verb: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> HttpAnswer:
        if path == "/api/oauth.v2.access":
            return self._oauth_access(headers, query, body)
        if path.startswith("/api/"):
            return self._web_api(path.removeprefix("/api/"), headers, query, body)
        if verb == "GET" and path == "/oauth/v2/authorize":
            return self._authorize(headers, query)
        return HttpAnswer.text(404, "not_found")

    def _web_api(
        self, method: str, headers: Mapping[str, str], query: str, body: bytes
    ) -> HttpAnswer:
        try:
            args = _arguments(headers, query, body)
        except ApiError:
            args = {}
        token = _bearer(headers) or str(args.get("token") or "")
        channel = args.get("channel")
        channel_id = channel if isinstance(channel, str) and channel else None
        with self._lock:
            team = self._issued.get(token)
            revoked = token in self._revoked
        owner = self._owner(channel_id) if channel_id else None
        if team is None:
            answer = HttpAnswer.json(200, {"ok": False, "error": "invalid_auth"})
        elif revoked:
            answer = HttpAnswer.json(200, {"ok": False, "error": "token_revoked"})
        else:
            answer = self._workspaces[team].web_api(method, headers, query, body)
        error: str | None = None
        if answer.status != 200:
            error = f"http_{answer.status}"
        elif answer.headers.get("Content-Type", "").startswith("application/json"):
            decoded: Any = json.loads(answer.body)
            if isinstance(decoded, dict) and not decoded.get("ok"):
                error = str(decoded.get("error"))
        with self._lock:
            self._calls.append(CloudCall(method, team, channel_id, owner, error, time.time()))
        return answer

    def _owner(self, channel: str) -> str | None:
        for team, sim in list(self._workspaces.items()):
            with sim.workspace.lock:
                if channel in sim.workspace.channels:
                    return team
        return None

    def _authorize(self, headers: Mapping[str, str], query: str) -> HttpAnswer:
        params = dict(parse_qsl(query, keep_blank_values=True))
        cookies = dict(
            part.strip().split("=", 1)
            for part in headers.get("cookie", "").split(";")
            if "=" in part
        )
        team = cookies.get(SESSION_COOKIE, "")
        if params.get("client_id") != self.client_id:
            return HttpAnswer.text(400, "invalid_client_id")
        if team not in self._workspaces:
            return HttpAnswer.text(400, "sign in to a workspace first")
        redirect = params.get("redirect_uri") or f"{self._app_url}/slack/oauth_redirect"
        code = f"{int(time.time())}.{secrets.token_hex(16)}"
        with self._lock:
            self._codes[code] = _Grant(
                team, redirect, params.get("scope", ""), cookies.get("installer", "U0INSTALL1")
            )
        location = f"{redirect}?{urlencode({'code': code, 'state': params.get('state', '')})}"
        return HttpAnswer(status=302, headers={"Location": location})

    def _oauth_access(self, headers: Mapping[str, str], query: str, body: bytes) -> HttpAnswer:
        try:
            args = _arguments(headers, query, body)
        except ApiError as bad:
            return HttpAnswer.json(200, bad.body())
        client_id, client_secret = _basic(headers)
        client_id = str(args.get("client_id") or client_id or "")
        client_secret = str(args.get("client_secret") or client_secret or "")
        if client_id != self.client_id:
            return HttpAnswer.json(200, {"ok": False, "error": "invalid_client_id"})
        if client_secret != self._client_secret:
            return HttpAnswer.json(200, {"ok": False, "error": "bad_client_secret"})
        with self._lock:
            grant = self._codes.pop(str(args.get("code") or ""), None)
        if grant is None:
            return HttpAnswer.json(200, {"ok": False, "error": "invalid_code"})
        redirect = args.get("redirect_uri")
        if redirect and redirect != grant.redirect_uri:
            return HttpAnswer.json(200, {"ok": False, "error": "bad_redirect_uri"})
        sim = self._workspaces[grant.team_id]
        identity = sim.identity
        with self._lock:
            self._issued[identity.bot_token] = grant.team_id
            self._revoked.discard(identity.bot_token)
            enterprise = self._enterprises.get(grant.team_id)
        return HttpAnswer.json(
            200,
            {
                "ok": True,
                "access_token": identity.bot_token,
                "token_type": "bot",
                "scope": grant.scopes,
                "bot_user_id": identity.bot_user_id,
                "app_id": self.app_id,
                "team": {"id": identity.team_id, "name": identity.team_name},
                "enterprise": (
                    {"id": enterprise[0], "name": enterprise[1]} if enterprise else None
                ),
                "is_enterprise_install": False,
                "authed_user": {"id": grant.installer},
            },
        )


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


def _basic(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(credentials.strip()).decode().partition(":")
    except ValueError:
        return None, None
    return user, password


def _get(url: str, headers: Mapping[str, str] | None = None) -> PageAnswer:
    """One GET, redirects not followed (the caller is the browser)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers=dict(headers or {}))
        response = connection.getresponse()
        return PageAnswer(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=response.read().decode("utf-8", "replace"),
        )
    finally:
        connection.close()


__all__ = ["CloudCall", "PageAnswer", "SlackCloud"]
