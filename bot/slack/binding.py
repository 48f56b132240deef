"""Forms bound to the person, channel and workshop they were opened for.

Slack's ``view_submission`` does not say which channel a form came from, so the form's
``Ref`` (channel, workshop number, anchor) travels in ``private_metadata``. Rules kept:

- the metadata is sealed when the form is opened: an HMAC-SHA256 over the person it was
  opened for and the ``Ref``, keyed by a secret every replica shares (derived from the
  signing secret, or the bot token when there is none). A submission whose seal does not
  match (edited metadata, or a form submitted by someone else) changes nothing;
- the workshop number in the ``Ref`` must still be the channel's running workshop: a form
  opened on workshop #1 and submitted after #2 started is refused, never applied to #2.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import ValidationError

from bot.render.ids import Ref

#: Hex digits of the seal kept: 128 bits, far below private_metadata's 3,000 characters.
_SEAL_CHARS = 32


def form_key(secret: str) -> bytes:
    """The sealing key, derived so the secret itself is never what signs the forms."""
    return hmac.new(secret.encode(), b"storymap form binding", hashlib.sha256).digest()


def _mac(key: bytes, user: str, body: str) -> str:
    digest = hmac.new(key, f"{user}\n{body}".encode(), hashlib.sha256).hexdigest()
    return digest[:_SEAL_CHARS]


def seal(key: bytes, user: str, metadata: str) -> str:
    """``metadata`` (a ``Ref`` as JSON) bound to ``user``: ``<seal>.<metadata>``."""
    return f"{_mac(key, user, metadata)}.{metadata}"


def unseal(key: bytes, user: str, sealed: str) -> Ref | None:
    """The ``Ref`` sealed for ``user``, or None when the seal or the metadata is off."""
    mac, dot, body = sealed.partition(".")
    if not dot or not hmac.compare_digest(mac, _mac(key, user, body)):
        return None
    try:
        ref = Ref.loads(body)
    except ValidationError:
        return None
    return ref if ref.channel is not None else None
