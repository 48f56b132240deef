"""What a reader sees in a Slack message, and which parts of it are live.

Slack reserves three characters in text objects: ``&``, ``<`` and ``>``. Text meant to
show them is sent as ``&amp;``, ``&lt;`` and ``&gt;``, which are decoded for display; no
other HTML entity is decoded. In mrkdwn, ``<...>`` is a token Slack parses:

====================================  =============================  ===================
token                                 the reader sees                kind
====================================  =============================  ===================
``<https://x.example>``               ``https://x.example``          ``link``
``<https://x.example|Label>``         ``Label (https://x.example)``  ``link``
``<mailto:a@x.example|Mail>``         ``Mail (mailto:a@x.example)``  ``link``
``<@U123>`` / ``<@U123|ana>``         ``@ana`` (notifies U123)       ``user``
``<#C123>`` / ``<#C123|team>``        ``#team``                      ``channel``
``<!here>`` ``<!channel>``            ``@here`` ``@channel``         ``special``
``<!everyone>``                       ``@everyone``                  ``special``
``<!subteam^S123>`` (``|@ops``)       ``@ops`` (or ``@S123``)        ``group``
``<!date^epoch^format|fallback>``     the formatted date (UTC)       ``date``
anything else, e.g. ``<who>``         nothing: Slack drops it        ``broken``
====================================  =============================  ===================

A link needs a scheme Slack links (``http``, ``https``, ``mailto``, ``tel``, ``ftp``,
``slack``); ``<who>``, ``<A#>`` or ``<when: 5pm>`` are not links and vanish, which is
why text meant to show angle brackets must escape them. A ``<!...>`` that is none of the
specials above is ``broken`` too. Dates are formatted in UTC (the transcript has no
viewer) with Slack's tokens ``{date_num}``, ``{date}``, ``{date_short}``,
``{date_long}``, ``{date_long_full}``, ``{date_slash}``, ``{date_pretty}``,
``{date_short_pretty}``, ``{date_long_pretty}``, ``{time}`` and ``{time_secs}`` (the
``_pretty`` forms never say "today": the transcript must not depend on when it runs);
any other token, or an epoch that is not a number, shows the fallback, as Slack does
when it cannot format the date.

Which fields are which:

- **mrkdwn** (tokens parsed, entities decoded): text objects of type ``mrkdwn`` wherever
  they are (section ``text`` and ``fields``, context elements, ...); ``markdown``
  blocks; the message's top-level ``text``. Slack documents ``mrkdwn: false`` as turning
  markup off; the simulator does not record that argument and reads the top-level text
  as mrkdwn regardless: for a check of live tokens, the stricter reading;
- **plain_text** (headers, buttons, labels, placeholders, options, modal titles): Slack's
  escaping rule covers every text object, so entities are decoded; ``<...>`` is shown
  exactly as written and nothing in it is live (plain_text has no markup);
- **rich_text** blocks are structured: ``text`` elements are literal, ``link``,
  ``user``, ``channel``, ``usergroup`` and ``broadcast`` elements are live tokens.

Styling (``*bold*``, ``_italic_``, ``~strike~``, code) is left as written: it changes how
text looks, not what it says. ``<...>`` inside backticks is read as a token too: the
escaping rule names no exception for code, so the check takes the stricter reading. Bare
URLs are not turned into links here (Slack links
them whatever the sender does, so no escaping could prevent it).

:func:`check_no_live_user_tokens` is the check tests use: it fails when a piece of text
a user typed reached a message as a live token, or when any ``<word>`` vanished.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

JsonDict = dict[str, Any]

TokenKind = Literal["link", "user", "channel", "special", "group", "date", "broken"]

#: Looks up a user's or channel's name by id; ``None`` when unknown.
Names = Callable[[str], str | None]

LINK_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel", "ftp", "slack"})
SPECIALS: Final = frozenset({"here", "channel", "everyone"})

_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES: Final = {"amp": "&", "lt": "<", "gt": ">"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_DATE_TOKEN = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Token:
    """One ``<...>`` Slack parsed (or a live rich_text element).

    ``raw`` is the token as it stands in the message, ``target`` what it points at (a
    URL, a user, channel or group id, ``here``...), ``shown`` what the reader sees.
    """

    kind: TokenKind
    raw: str
    target: str
    shown: str

    @property
    def notifies(self) -> bool:
        """Whether Slack notifies someone: a user, a group, or a channel-wide special."""
        return self.kind in ("user", "group", "special")


@dataclass(frozen=True)
class Reading:
    """What a reader sees of one text, and the tokens in it."""

    text: str
    tokens: tuple[Token, ...] = ()


class LiveTokenError(AssertionError):
    """A message holds user text as a live token, or a ``<word>`` that vanished."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def decode_entities(text: str) -> str:
    """``&amp;``, ``&lt;`` and ``&gt;`` as the characters they stand for; nothing else."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def read_plain(text: str) -> Reading:
    """A plain_text object: entities decoded, no tokens."""
    return Reading(decode_entities(text))


def read_mrkdwn(text: str, names: Names | None = None) -> Reading:
    """A mrkdwn text: what a reader sees, and every token in it, in order."""
    tokens: list[Token] = []
    shown: list[str] = []
    at = 0
    for match in _TOKEN.finditer(text):
        shown.append(decode_entities(text[at : match.start()]))
        token = _token(match.group(0), match.group(1), names)
        tokens.append(token)
        shown.append(token.shown)
        at = match.end()
    shown.append(decode_entities(text[at:]))
    return Reading("".join(shown), tuple(tokens))


def _token(raw: str, inner: str, names: Names | None) -> Token:
    body, _, label = inner.partition("|")
    label = decode_entities(label)
    if body.startswith("@"):
        user = body[1:]
        name = (names(user) if names else None) or label.removeprefix("@") or user
        return Token("user", raw, user, f"@{name}")
    if body.startswith("#"):
        channel = body[1:]
        name = (names(channel) if names else None) or label.removeprefix("#") or channel
        return Token("channel", raw, channel, f"#{name}")
    if body.startswith("!"):
        return _special(raw, body[1:], label)
    scheme = _SCHEME.match(body)
    if scheme and scheme.group(1).lower() in LINK_SCHEMES:
        url = decode_entities(body)
        return Token("link", raw, url, f"{label} ({url})" if label else url)
    return Token("broken", raw, decode_entities(inner), "")


def _special(raw: str, body: str, label: str) -> Token:
    if body in SPECIALS:
        return Token("special", raw, body, f"@{body}")
    head, _, rest = body.partition("^")
    if head == "subteam" and rest:
        return Token("group", raw, rest, label if label.startswith("@") else f"@{label or rest}")
    if head == "date" and rest:
        return Token("date", raw, rest, _date(rest, label))
    return Token("broken", raw, body, "")


def _date(spec: str, fallback: str) -> str:
    epoch, _, rest = spec.partition("^")
    template = rest.split("^", 1)[0]
    try:
        when = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return fallback
    parts = {name: _date_part(name, when) for name in _DATE_TOKEN.findall(template)}
    if not template or None in parts.values():
        return fallback
    return _DATE_TOKEN.sub(lambda m: str(parts[m.group(1)]), template)


def _date_part(name: str, when: dt.datetime) -> str | None:
    day = f"{when.day}{_ordinal(when.day)}"
    long_full = f"{when:%B} {when.day}, {when.year}"
    hour12 = when.hour % 12 or 12
    formats = {
        "date_num": f"{when:%Y-%m-%d}",
        "date_slash": f"{when:%d/%m/%Y}",
        "date": f"{when:%B} {day}, {when.year}",
        "date_pretty": f"{when:%B} {day}, {when.year}",
        "date_short": f"{when:%b} {when.day}, {when.year}",
        "date_short_pretty": f"{when:%b} {when.day}, {when.year}",
        "date_long": f"{when:%A}, {when:%B} {day}, {when.year}",
        "date_long_pretty": f"{when:%A}, {when:%B} {day}, {when.year}",
        "date_long_full": long_full,
        "time": f"{hour12}:{when:%M %p}",
        "time_secs": f"{hour12}:{when:%M:%S %p}",
    }
    return formats.get(name)


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


# -- whole messages ------------------------------------------------------------------------


def text_object(node: object, names: Names | None = None) -> Reading:
    """A text object (or a bare string, read as mrkdwn) as the reader sees it."""
    if isinstance(node, dict):
        text = str(node.get("text", ""))
        if node.get("type") == "plain_text":
            return read_plain(text)
        return read_mrkdwn(text, names)
    if node is None:
        return Reading("")
    return read_mrkdwn(str(node), names)


def block_tokens(block: JsonDict, names: Names | None = None) -> list[Token]:
    """Every live token in one block: mrkdwn text objects anywhere in it, markdown text,
    rich_text's live elements."""
    kind = block.get("type")
    if kind == "markdown":
        return list(read_mrkdwn(str(block.get("text", "")), names).tokens)
    if kind == "rich_text":
        return list(_rich_tokens(block.get("elements", [])))
    found: list[Token] = []
    _walk_mrkdwn(block, names, found)
    return found


def message_tokens(text: str, blocks: list[JsonDict], names: Names | None = None) -> list[Token]:
    """Every live token in a message: its top-level text (mrkdwn) and its blocks."""
    found = list(read_mrkdwn(text, names).tokens)
    for block in blocks:
        found += block_tokens(block, names)
    return found


def _walk_mrkdwn(node: object, names: Names | None, found: list[Token]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_mrkdwn(item, names, found)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
        found.extend(read_mrkdwn(node["text"], names).tokens)
        return
    for value in node.values():
        _walk_mrkdwn(value, names, found)


def _rich_tokens(node: object) -> Iterable[Token]:
    if isinstance(node, list):
        for item in node:
            yield from _rich_tokens(item)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "link":
        url = str(node.get("url", ""))
        label = str(node.get("text", ""))
        yield Token("link", url, url, f"{label} ({url})" if label else url)
    elif kind == "user":
        user = str(node.get("user_id", ""))
        yield Token("user", f"<@{user}>", user, f"@{user}")
    elif kind == "channel":
        channel = str(node.get("channel_id", ""))
        yield Token("channel", f"<#{channel}>", channel, f"#{channel}")
    elif kind == "usergroup":
        group = str(node.get("usergroup_id", ""))
        yield Token("group", f"<!subteam^{group}>", group, f"@{group}")
    elif kind == "broadcast":
        scope = str(node.get("range", ""))
        yield Token("special", f"<!{scope}>", scope, f"@{scope}")
    yield from _rich_tokens(node.get("elements", []))


# -- the check -------------------------------------------------------------------------------


def check_no_live_user_tokens(
    text: str,
    blocks: list[JsonDict],
    user_texts: Iterable[str] = (),
    *,
    where: str = "message",
) -> None:
    """Fail (:class:`LiveTokenError`) if the message would mislead or ping its readers.

    - a token whose source stands in one of ``user_texts`` (compared with the text as
      typed and with its entities decoded, as Slack delivers typed ``<`` as ``&lt;``):
      the user's text reached readers as a link, mention or special, not as typed;
    - a ``broken`` token, such as ``<who>`` or ``<A#>``, whatever its origin: Slack would
      drop it, so the reader never sees it.
    """
    typed = [t for t in user_texts if t]
    forms = {form for t in typed for form in (t, decode_entities(t))}
    problems: list[str] = []
    for token in message_tokens(text, blocks):
        if token.kind == "broken":
            problems.append(f"{where}: {token.raw} is not a Slack token; readers see nothing")
            continue
        source = next((form for form in forms if token.raw in form), None)
        if source is not None:
            problems.append(f"{where}: user text {source!r} became a live {token.kind} {token.raw}")
    if problems:
        raise LiveTokenError(problems)
