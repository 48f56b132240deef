"""What Slack sends when a person opens the app's Home tab.

Rules kept (Slack's documented ``app_home_opened`` event): ``user`` is the person,
``channel`` the app's direct-message channel with them, ``tab`` ``"home"``, and
``view`` the Home view the app last published for them (the full view, as
``views.publish`` returned it), absent when it never published one.
"""

from __future__ import annotations

import copy
from typing import Any

from slacksim.state import Channel, User

JsonDict = dict[str, Any]


def app_home_opened(
    user: User, channel: Channel, event_ts: str, view: JsonDict | None, *, tab: str = "home"
) -> JsonDict:
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user.id,
        "channel": channel.id,
        "tab": tab,
        "event_ts": event_ts,
    }
    if view is not None:
        event["view"] = copy.deepcopy(view)
    return event
