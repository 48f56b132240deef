"""Whether someone is away, from what Slack says about them: no reminder goes to them then.

Rules this module keeps:
- the signals are the person's Slack status and, together, their presence and
  do-not-disturb; a status counts while it has not expired (``status_expiration`` is 0
  for "never", otherwise a Unix time that must still be ahead);
- a status emoji in ``AWAY_EMOJI`` (holidays, travel, illness) means away;
- status text means away when it holds one of ``AWAY_WORDS`` as whole words, in any case
  ("OOO until Monday", "On Leave"; not "zoom", "sickle" or "leaves");
- ``users.getPresence`` saying ``away`` means away only while do-not-disturb is on too
  (``dnd.info``: a snooze whose ``snooze_endtime`` is ahead, or the scheduled
  ``next_dnd_start_ts``..``next_dnd_end_ts`` window around now with ``dnd_enabled``):
  "away" alone is only an idle laptop;
- ``away_reason`` is pure (no Slack, no clock of its own); ``ask_away`` gathers the three
  answers with the calls it is given, asking for presence and do-not-disturb only when
  the status does not already say away, and do-not-disturb only when presence says away.
  A call that fails counts as "not away": a reminder too many beats a reminder lost.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

#: Status emoji meaning "not working today": holidays, travel, illness.
AWAY_EMOJI: Final = frozenset(
    {
        ":palm_tree:",
        ":beach_with_umbrella:",
        ":desert_island:",
        ":airplane:",
        ":face_with_thermometer:",
        ":sick:",
        ":mask:",
    }
)

#: Words (whole, any case) in a status text meaning away.
AWAY_WORDS: Final = (
    "OOO",
    "out of office",
    "out of the office",
    "vacation",
    "holiday",
    "holidays",
    "on leave",
    "sick",
)

_AWAY_TEXT: Final = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in AWAY_WORDS)
    + r")(?!\w)",
    re.IGNORECASE,
)


def away_reason(
    profile: Mapping[str, Any] | None,
    presence: Mapping[str, Any] | None,
    dnd: Mapping[str, Any] | None,
    now: datetime,
) -> str | None:
    """Why the person is away at ``now`` (a short phrase for the log), or None.

    ``profile``: ``users.info``'s ``user.profile`` (or ``users.profile.get``'s
    ``profile``); ``presence``: ``users.getPresence``'s answer; ``dnd``: ``dnd.info``'s.
    Any of them may be None (not asked, or the call failed)."""
    stamp = now.timestamp()
    if profile is not None and _status_current(profile, stamp):
        emoji = str(profile.get("status_emoji") or "").strip().lower()
        if emoji in AWAY_EMOJI:
            return f"status emoji {emoji}"
        text = str(profile.get("status_text") or "")
        if (found := _AWAY_TEXT.search(text)) is not None:
            return f"status text {found.group(0)!r}"
    if presence is not None and presence.get("presence") == "away" and _dnd_on(dnd, stamp):
        return "away with do-not-disturb on"
    return None


def _status_current(profile: Mapping[str, Any], stamp: float) -> bool:
    expiration = _number(profile.get("status_expiration"))
    return expiration == 0 or expiration > stamp


def _dnd_on(dnd: Mapping[str, Any] | None, stamp: float) -> bool:
    if dnd is None:
        return False
    if dnd.get("snooze_enabled") is True and _number(dnd.get("snooze_endtime")) > stamp:
        return True
    start = _number(dnd.get("next_dnd_start_ts"))
    end = _number(dnd.get("next_dnd_end_ts"))
    return dnd.get("dnd_enabled") is True and start <= stamp < end


def _number(value: object) -> float:
    try:
        return float(value) if isinstance(value, int | float | str) else 0.0
    except ValueError:
        return 0.0


SlackCall = Callable[..., Mapping[str, object]]


def ask_away(
    call: SlackCall,
    user: str,
    now: datetime,
    users_info: Mapping[str, object] | None = None,
) -> str | None:
    """``away_reason`` for ``user``, asking Slack through ``call`` (the performer's call:
    ``call("users_info", user=...)``). ``users_info``: an answer already fetched at this
    moment, used instead of asking again."""
    info = users_info if users_info is not None else _ask(call, "users_info", user)
    person = info.get("user") if info is not None else None
    profile = person.get("profile") if isinstance(person, dict) else None
    profile = profile if isinstance(profile, dict) else None
    if (reason := away_reason(profile, None, None, now)) is not None:
        return reason
    presence = _ask(call, "users_getPresence", user)
    if presence is None or presence.get("presence") != "away":
        return None
    return away_reason(None, presence, _ask(call, "dnd_info", user), now)


def _ask(call: SlackCall, method: str, user: str) -> Mapping[str, object] | None:
    try:
        return call(method, user=user)
    except SlackApiError as failure:
        log.warning("%s for %s failed (%s): taken as not away", method, user, failure)
        return None
