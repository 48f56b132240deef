"""The pure workshop domain: models, commands, effects and the state machine.

Nothing in this package touches Slack, Redis, the clock or the network.
"""

from bot.domain.commands import Command
from bot.domain.effects import Effect
from bot.domain.errors import Rejected
from bot.domain.machine import Outcome, apply
from bot.domain.model import Stage, Workshop

__all__ = ["Command", "Effect", "Outcome", "Rejected", "Stage", "Workshop", "apply"]
