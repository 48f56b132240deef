"""Turn a batch of outbox effects into Web API calls, rendering the latest state.

Rules this module keeps:
- rendering always uses the workshop as it is now, so however many refreshes were
  queued, the board converges on the current state with one edit;
- in one batch, "refresh the board" and "refresh card S" collapse to one call each;
- the board is posted before anything else the first time, so prompts and cards follow
  it in the channel; what was posted is recorded in ``Refs`` and never posted twice;
- story cards are posted in the thread of the voting prompt, each its own message, so
  reactions on them are votes without flooding the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.domain import commands as c
from bot.domain.effects import Announce, OpenStage, PostMap, RefreshBoard, RefreshCard
from bot.domain.model import Stage, Workshop
from bot.render.board import board
from bot.render.cards import story_card
from bot.render.map import published_map
from bot.render.prompts import prompts_for
from bot.service import WorkshopService
from bot.slack.notices import Notify, OpenModal, OutboxEffect, React, Welcome
from bot.slack.refs import Refs, prompt_name

log = logging.getLogger(__name__)

#: Errors meaning the bot cannot post in the channel at all.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
#: Errors that a retry cannot fix: the effect is dropped with a log line.
PERMANENT = frozenset(
    {
        "already_reacted",
        "already_pinned",
        "expired_trigger_id",
        "exchanged_trigger_id",
        "invalid_trigger_id",
        "message_not_found",
        "cant_update_message",
        "user_not_in_channel",
    }
)


class CannotPost(Exception):
    """The bot is not in the channel (or it is gone): nothing can be shown there."""


class Performer:
    def __init__(self, client: WebClient, service: WorkshopService) -> None:
        self._client = client
        self._service = service

    def perform(self, w: Workshop, refs: Refs, effects: Sequence[OutboxEffect]) -> None:
        try:
            self._perform(w, refs, effects)
        except CannotPost:
            self._cannot_post(w, effects)

    def _perform(self, w: Workshop, refs: Refs, effects: Sequence[OutboxEffect]) -> None:
        # The board first: people see the new stage at once, even while a stage's
        # prompts and cards are still being posted at Slack's pace.
        if refs.get("board") is None:
            self._post_board(w, refs)
        elif any(isinstance(e, RefreshBoard) for e in effects):
            message = board(w)
            self._call(
                "chat_update",
                channel=w.channel_id,
                ts=refs.get("board"),
                text=message.text,
                blocks=message.blocks,
            )
        cards: list[str] = []
        for effect in effects:
            match effect:
                case OpenStage(stage=stage):
                    self._open_stage(w, refs, stage)
                case RefreshCard(story_id=story_id) if story_id not in cards:
                    cards.append(story_id)
                case Announce(text=text):
                    self._post(w.channel_id, refs.get("board"), text)
                case PostMap():
                    self._post_map(w, refs)
                case Notify(user=user, text=text, thread_ts=thread_ts):
                    self._call(
                        "chat_postEphemeral",
                        channel=w.channel_id,
                        user=user,
                        text=text,
                        thread_ts=thread_ts,
                    )
                case React(ts=ts, name=name):
                    self._call("reactions_add", channel=w.channel_id, timestamp=ts, name=name)
                case OpenModal(trigger_id=trigger_id, view=view):
                    self._call("views_open", trigger_id=trigger_id, view=view)
        for story_id in cards:
            card_ts = refs.get(f"card:{story_id}")
            if card_ts is not None and w.story(story_id) is not None:
                message = story_card(w, story_id)
                self._call(
                    "chat_update",
                    channel=w.channel_id,
                    ts=card_ts,
                    text=message.text,
                    blocks=message.blocks,
                )

    # ----- pieces -----------------------------------------------------------------

    def _call(self, method: str, **args: object) -> dict[str, object]:
        try:
            response = getattr(self._client, method)(**args)
        except SlackApiError as failure:
            error = str(failure.response.get("error", ""))
            if error in CANNOT_POST:
                raise CannotPost(error) from failure
            if error in PERMANENT:
                log.info("slack: %s failed for good (%s); skipped", method, error)
                return {}
            raise
        data: dict[str, object] = response.data if isinstance(response.data, dict) else {}
        return data

    def _post(
        self,
        channel: str,
        thread_ts: str | None,
        text: str,
        blocks: Sequence[dict[str, object]] | None = None,
    ) -> str:
        data = self._call(
            "chat_postMessage", channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
        )
        return str(data["ts"])

    def _post_board(self, w: Workshop, refs: Refs) -> None:
        message = board(w)
        refs.set("board", self._post(w.channel_id, None, message.text, message.blocks))

    def _open_stage(self, w: Workshop, refs: Refs, stage: Stage) -> None:
        """Post what the stage needs and was not posted yet (re-entering posts only news).

        In the voting stage the first message is the prompt and the rest are story
        cards, posted in the prompt's thread.
        """
        thread: str | None = None
        for anchor, message in prompts_for(w, stage):
            is_card = stage is Stage.VOTING and anchor is not None
            name = f"card:{anchor}" if is_card else prompt_name(stage.value, anchor)
            ts = refs.get(name)
            if ts is None:
                ts = self._post(
                    w.channel_id, thread if is_card else None, message.text, message.blocks
                )
                refs.set(name, ts)
            if stage is Stage.VOTING and anchor is None:
                thread = ts

    def _post_map(self, w: Workshop, refs: Refs) -> None:
        for n, message in enumerate(published_map(w)):
            name = f"map:{n}"
            if refs.get(name) is not None:
                continue
            ts = self._post(w.channel_id, None, message.text, message.blocks)
            refs.set(name, ts)
            if n == 0:
                self._call("pins_add", channel=w.channel_id, timestamp=ts)

    def _cannot_post(self, w: Workshop, effects: Sequence[OutboxEffect]) -> None:
        """Tell the person who started the workshop, then cancel it so they can retry."""
        for effect in effects:
            if isinstance(effect, Welcome):
                WebhookClient(effect.response_url).send(
                    text=(
                        "I'm not a member of this channel, so I can't post the workshop "
                        "here. Invite me with `/invite @storymap`, then run "
                        "`/storymap start` again."
                    ),
                    response_type="ephemeral",
                )
                if w.stage.is_open:
                    self._service.handle(w.team_id, w.channel_id, w.facilitator, c.Cancel())
                return
        log.warning("cannot post in %s: the bot is not in the channel", w.channel_id)
