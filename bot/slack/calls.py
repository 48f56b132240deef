"""Web API calls on behalf of one workspace: its client, its budget, 429s, what errors mean.

Rules this module keeps:
- every call acts for one workspace (``act_for``): its client (``TeamClients``) and its
  budget and pauses (``SlackBudget.for_team``); a workspace with no installation raises
  ``Uninstalled``; one that leaves while a batch is under way raises it before the next
  call, and a token Slack no longer accepts (``TOKEN_GONE``) drops the cached client and
  raises it too;
- every call takes its token from the shared budget first, waiting if need be and
  calling ``heartbeat`` meanwhile (the dispatcher keeps its channel lease); a 429 pauses
  the method for every replica and the call is retried after ``Retry-After``;
- an error meaning the bot cannot post in the channel raises ``CannotPost``; one a retry
  cannot fix (``PERMANENT``) is logged and skipped; any other raises ``SlackApiError``;
- a file is uploaded with Slack's three steps (``upload``): ``files.getUploadURLExternal``
  and ``files.completeUploadExternal`` go through ``call`` like any method, the bytes are
  POSTed to the upload URL in between; a refused POST raises ``UploadFailed``. The steps
  are called one by one rather than through slack_sdk's ``files_upload_v2``, which bundles
  them in one call: each step then takes its own budget token and is counted, 429s and
  errors mean what they mean for every other call, and the alt text is sent as given.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.metrics import Metrics
from bot.slack.budget import SlackBudget
from bot.slack.clients import TeamClients, Uninstalled

log = logging.getLogger(__name__)

#: Errors meaning the bot cannot post in the channel at all.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
#: Errors meaning the workspace's token is gone (uninstalled, revoked).
TOKEN_GONE = frozenset({"token_revoked", "account_inactive", "invalid_auth", "not_authed"})
#: Errors that a retry cannot fix: the effect is dropped with a log line.
PERMANENT = frozenset(
    {
        "already_reacted",
        "already_pinned",
        "message_not_found",
        "cant_update_message",
        "user_not_in_channel",
    }
)
MAX_429_RETRIES: Final = 5
#: Slack's bound on a file's alt text (``alt_txt_too_large`` beyond it).
ALT_TEXT_MAX: Final = 1000
#: How the POST of a file's bytes is counted in the call metrics.
UPLOAD_URL: Final = "files.upload_url"


class UploadFailed(Exception):
    """The upload URL refused the file's bytes (the entry is tried again)."""


class CannotPost(Exception):
    """The bot cannot post in the channel (not a member, gone, or archived)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Calls:
    """The budgeted Web API calls of one performer, acting for one workspace at a time."""

    def __init__(self, clients: TeamClients, budget: SlackBudget, metrics: Metrics) -> None:
        self._clients = clients
        self._shared_budget = budget
        #: The workspace acted for, its client and its budget (``act_for``).
        self._team = ""
        self._client: WebClient | None = None
        self.budget = budget
        self.metrics = metrics
        #: Called before every Web API call and while waiting for one (see the module).
        self.heartbeat: Callable[[], object] = lambda: None

    def act_for(self, team_id: str) -> None:
        """Act for ``team_id``: its client and its budget; ``Uninstalled`` if it has none."""
        client = self._clients.get(team_id)
        if client is None:
            raise Uninstalled(team_id)
        self._team, self._client = team_id, client
        self.budget = self._shared_budget.for_team(team_id)

    def call(self, method: str, **args: object) -> dict[str, object]:
        """Take the call's token from the shared budget (waiting if need be), then send."""
        channel = args.get("channel")
        self.take(method.replace("_", ".", 1), channel if isinstance(channel, str) else None)
        return self.send(method, **args)

    def take(self, slack_method: str, channel: str | None) -> None:
        """Wait for a token of the shared budget, keeping the channel's lease meanwhile."""
        while (wait := self.budget.try_take(slack_method, channel)) > 0:
            self.heartbeat()
            time.sleep(min(wait, 1.0))

    def send(self, method: str, **args: object) -> dict[str, object]:
        slack_method = method.replace("_", ".", 1)
        for attempt in range(MAX_429_RETRIES):
            if attempt:
                self.take(slack_method, None)
            # Renewed before every call: a dispatcher that lost the channel stops here.
            self.heartbeat()
            if self._clients.per_team and self._clients.get(self._team) is None:
                raise Uninstalled(self._team)  # left while this batch was under way
            try:
                response = getattr(self._client, method)(**args)
            except SlackApiError as failure:
                status = failure.response.status_code
                error = "http_429" if status == 429 else failure.response.get("error")
                self.metrics.slack_call(slack_method, str(error or f"http_{status}"))
                if status != 429:
                    if self._clients.per_team and failure.response.get("error") in TOKEN_GONE:
                        self._clients.invalidate(self._team)
                        raise Uninstalled(self._team) from None
                    return self._failed(method, failure)
                retry_after = float(failure.response.headers.get("Retry-After", "1"))
                log.warning("slack: %s answered 429; pausing %.1f s", slack_method, retry_after)
                self.budget.pause(slack_method, retry_after)
                continue
            except OSError:
                self.metrics.slack_call(slack_method, "unreachable")
                raise
            self.metrics.slack_call(slack_method)
            data: dict[str, object] = response.data if isinstance(response.data, dict) else {}
            return data
        raise RuntimeError(f"{slack_method} kept answering 429")

    @staticmethod
    def _failed(method: str, failure: SlackApiError) -> dict[str, object]:
        error = str(failure.response.get("error", ""))
        if error in CANNOT_POST:
            raise CannotPost(error) from failure
        if error in PERMANENT:
            log.info("slack: %s failed for good (%s); skipped", method, error)
            return {}
        raise failure

    def post(
        self,
        channel: str,
        thread_ts: str | None,
        text: str,
        blocks: Sequence[dict[str, object]] | None = None,
    ) -> str:
        data = self.call(
            "chat_postMessage", channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
        )
        return str(data["ts"])

    def upload(
        self,
        channel: str,
        filename: str,
        content: bytes,
        *,
        title: str,
        alt_text: str,
        thread_ts: str | None = None,
        initial_comment: str | None = None,
    ) -> str:
        """Upload ``content`` and share it in ``channel`` (in ``thread_ts``'s thread if
        given); the file's id. ``alt_text`` longer than Slack takes is cut, ending in …;
        an empty one (a file that is not a picture) is not sent."""
        if len(alt_text) > ALT_TEXT_MAX:
            alt_text = alt_text[: ALT_TEXT_MAX - 1] + "…"
        ticket = self.call(
            "files_getUploadURLExternal",
            filename=filename,
            length=len(content),
            alt_txt=alt_text or None,
        )
        url, file_id = ticket.get("upload_url"), ticket.get("file_id")
        if not isinstance(url, str) or not isinstance(file_id, str):
            raise UploadFailed(f"files.getUploadURLExternal gave no upload URL: {ticket}")
        self._post_bytes(url, content)
        self.call(
            "files_completeUploadExternal",
            files=[{"id": file_id, "title": title}],
            channel_id=channel,
            thread_ts=thread_ts,
            initial_comment=initial_comment,
        )
        return file_id

    def _post_bytes(self, url: str, content: bytes) -> None:
        self.heartbeat()
        client = self._client
        request = urllib.request.Request(  # noqa: S310 (Slack's https URL, or the simulator's)
            url,
            data=content,
            method="POST",
            headers={"Content-Type": "application/octet-stream"},
        )
        timeout = client.timeout if client is not None else 30
        try:
            with urllib.request.urlopen(  # noqa: S310 (see above)
                request, timeout=timeout, context=client.ssl if client is not None else None
            ) as answer:
                answer.read()
        except urllib.error.HTTPError as refused:
            self.metrics.slack_call(UPLOAD_URL, f"http_{refused.code}")
            raise UploadFailed(f"the upload URL answered HTTP {refused.code}") from refused
        except OSError:
            self.metrics.slack_call(UPLOAD_URL, "unreachable")
            raise
        self.metrics.slack_call(UPLOAD_URL)
