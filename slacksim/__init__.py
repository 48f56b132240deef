"""A local stand-in for Slack: Web API server, workspace state, and users who act.

Tests and ``storymap demo`` use it. Start one with ``with SlackSimulator() as sim:``,
point the bot's ``WebClient`` at ``sim.api_url`` and the simulator at the bot's
``POST /slack/events`` URL with ``sim.set_bot_endpoint(url)``, then act as users
(``sim.user("U_ANA").slash("#team", "/storymap", "start Tracking")``), wait for the bot
(``sim.wait_for``, ``sim.settle``) and read the result (``sim.messages``,
``sim.transcript``, which shows what a reader sees). ``sim.check_no_live_user_tokens``
(or ``check_no_live_user_tokens`` on one message) fails when user text reached a
message as a live link, mention or special, or a ``<word>`` vanished.
Several workspaces meeting one app, and its OAuth install: ``SlackCloud``.
Module docstrings state the Slack rules each part keeps.
"""

from slacksim.cloud import CloudCall, SlackCloud
from slacksim.delivery import Delivery
from slacksim.driver import Driver
from slacksim.errors import BotUnreachable, ModalInputError, SimulatorError, WaitTimeout
from slacksim.limits import SlackLimits
from slacksim.mrkdwn import (
    LiveTokenError,
    Reading,
    Token,
    check_no_live_user_tokens,
    message_tokens,
    read_mrkdwn,
)
from slacksim.ratelimit import Limit, RateLimits
from slacksim.simulator import SlackSimulator
from slacksim.state import ApiCall, Channel, Ephemeral, Message, OpenView, UploadedFile, User
from slacksim.uploads import UPLOAD_FAULT
from slacksim.user_driver import UserDriver

__all__ = [
    "UPLOAD_FAULT",
    "ApiCall",
    "BotUnreachable",
    "Channel",
    "CloudCall",
    "Delivery",
    "Driver",
    "Ephemeral",
    "Limit",
    "LiveTokenError",
    "Message",
    "ModalInputError",
    "OpenView",
    "RateLimits",
    "Reading",
    "SimulatorError",
    "SlackCloud",
    "SlackLimits",
    "SlackSimulator",
    "Token",
    "UploadedFile",
    "User",
    "UserDriver",
    "WaitTimeout",
    "check_no_live_user_tokens",
    "message_tokens",
    "read_mrkdwn",
]
