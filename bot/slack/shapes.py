"""The shape of every Slack payload Bolt and the listeners read, checked before Bolt.

A request that passed the signature check comes from Slack, whose payloads always have
these fields; a payload without them (a different Slack feature, or a request built by
hand with a leaked secret) is answered 400 by the HTTP gate (``bot.slack.http``) with
one log line, so Bolt and the listeners can read their fields plainly and a malformed
payload never becomes a traceback. Only the fields they read are checked; everything
else is allowed through as is.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class _Id(_Shape):
    id: str


class _User(_Shape):
    id: str
    team_id: str | None = None


class _Option(_Shape):
    value: str


class _Action(_Shape):
    action_id: str
    value: str | None = None
    selected_option: _Option | None = None


class _Input(_Shape):
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None


class _State(_Shape):
    values: dict[str, dict[str, _Input]] = {}


class _View(_Shape):
    id: str
    type: str
    callback_id: str
    private_metadata: str = ""
    state: _State = _State()


class _Command(_Shape):
    command: str
    team_id: str
    channel_id: str
    user_id: str
    text: str = ""
    channel_name: str | None = None
    response_url: str | None = None


class _Actions(_Shape):
    user: _User
    team: _Id | None = None
    channel: _Id | None = None
    trigger_id: str | None = None
    actions: list[_Action]


class _Submission(_Shape):
    user: _User
    team: _Id | None = None
    view: _View


class _Event(_Shape):
    type: str


class _Item(_Shape):
    type: str
    channel: str | None = None
    ts: str | None = None


class _Message(_Event):
    channel: str
    ts: str
    user: str | None = None
    text: str | None = None
    thread_ts: str | None = None
    subtype: str | None = None


class _Reaction(_Event):
    user: str
    reaction: str
    item: _Item


class _Callback(_Shape):
    team_id: str
    event: _Event
    event_id: str | None = None


_EVENTS: dict[str, type[_Event]] = {
    "message": _Message,
    "reaction_added": _Reaction,
    "reaction_removed": _Reaction,
}


def malformed(body: dict[str, Any]) -> str | None:
    """What is wrong with ``body``'s shape, in a few words; None when it is fine."""
    if not isinstance(body.get("type", ""), str):
        return "type is not a string"
    try:
        if "command" in body:
            _Command.model_validate(body)
        elif body.get("type") == "block_actions":
            actions = _Actions.model_validate(body)
            if not actions.actions:
                return "block_actions without an action"
            if actions.team is None and actions.user.team_id is None:
                return "block_actions without a team"
        elif body.get("type") in ("view_submission", "view_closed"):
            submission = _Submission.model_validate(body)
            if submission.team is None and submission.user.team_id is None:
                return "view payload without a team"
        elif body.get("type") == "event_callback":
            event = _Callback.model_validate(body).event
            shape = _EVENTS.get(event.type)
            if shape is not None:
                shape.model_validate(body["event"])
    except ValidationError as invalid:
        errors = invalid.errors()
        # The field's path only (payload keys can be anyone's text: kept short).
        where = ".".join(str(part) for part in errors[0]["loc"][:3])[:60] if errors else "?"
        return f"{body.get('type') or 'command'} payload: {where} {errors[0]['type']}"
    return None
