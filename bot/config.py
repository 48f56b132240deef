"""Settings from the environment, one class per need, with one-line errors.

Rules this module keeps:

- Variables are read by their exact names (no prefix, case-sensitive), only from the
  environment. An empty variable counts as unset, so ``REDIS_URL=`` means "embedded".
- Each command loads only what it needs: ``StoreSettings`` (any command touching data),
  ``SlackSettings`` (talking to Slack), ``LogSettings`` (every command).
- ``load(cls)`` returns the settings or raises ``ConfigError`` whose message is one line
  naming the first bad variable and what it expects.
- ``REDIS_URL`` names one server (``redis://``, ``rediss://``, ``unix://``) or one seed
  node of a Redis Cluster (``redis+cluster://``, ``rediss+cluster://``; database 0 only,
  the client finds the other nodes).
- Secret values never appear in an error, a traceback or a repr: tokens are
  ``SecretStr``, errors about them and about ``REDIS_URL`` (it may carry a password)
  never quote the value, and pydantic's own error, which does, is not chained.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar, get_args
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that must not be echoed back in an error message.
_HIDDEN = frozenset(
    {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_SECRET",
        "STORYMAP_TOKEN_KEY",
        "REDIS_URL",
    }
)
_SHOWN_CHARS = 60

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ConfigError(Exception):
    """A variable is missing or malformed; the message is one line, safe to print."""


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/storymap``, else ``~/.local/share/storymap`` (XDG base dirs)."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "storymap"


class _EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=True,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )


def _token(prefix: str) -> AfterValidator:
    def check(value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if not secret.startswith(prefix):
            raise ValueError(f"the value given (not shown) does not start with {prefix}")
        if secret != secret.strip() or any(char.isspace() for char in secret):
            raise ValueError("the value given (not shown) contains whitespace")
        return value

    return AfterValidator(check)


def _fernet_keys(value: SecretStr) -> SecretStr:
    parts = [part.strip() for part in value.get_secret_value().split(",")]
    try:
        for part in parts:
            Fernet(part)
    except ValueError:
        raise ValueError("the value given (not shown) is not a list of Fernet keys") from None
    return value


def _redirect_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http(s) URL")
    return value  # Slack compares it with the app's redirect URLs as written


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http(s) URL")
    # The Slack SDK appends method names to the base URL, so it must end with "/".
    return value if value.endswith("/") else value + "/"


# A Redis Cluster is named by one seed node with a scheme of its own, so one variable
# says both where the store is and how to talk to it (see docs/decisions/0002).
_CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")


def _redis_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix", *_CLUSTER_SCHEMES):
        raise ValueError(f"the value given (not shown) has scheme {parts.scheme or 'none'!r}")
    if parts.scheme == "unix" and not parts.path:
        raise ValueError("the value given (not shown) names no socket path")
    if parts.scheme != "unix" and not parts.hostname:
        raise ValueError("the value given (not shown) names no host")
    if parts.scheme in _CLUSTER_SCHEMES:
        _cluster_url(parts.netloc, parts.path, parts.query)
    return value


def _cluster_url(netloc: str, path: str, query: str) -> None:
    # The part after "@" only: a password may contain a comma.
    if "," in netloc.rpartition("@")[2]:
        raise ValueError("the value given (not shown) names several hosts; give one seed node")
    has_db_query = any(pair.partition("=")[0] == "db" for pair in query.split("&"))
    if path.strip("/") not in ("", "0") or has_db_query:
        raise ValueError("the value given (not shown) selects a database; a cluster has only 0")


def _known_level_upper(value: object) -> object:
    # Accept "debug" as "DEBUG", but leave unknown input as typed for the error message.
    if isinstance(value, str) and value.upper() in get_args(LogLevel):
        return value.upper()
    return value


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class StoreSettings(_EnvSettings):
    """Where workshop state lives: an external server, or the embedded one's data dir."""

    redis_url: Annotated[str, AfterValidator(_redis_url)] | None = Field(
        default=None,
        validation_alias="REDIS_URL",
        repr=False,  # may carry a password
        description=(
            "a redis://, rediss:// or unix:// URL, a redis+cluster:// or rediss+cluster:// "
            "URL of one node of a Redis Cluster, or unset for the embedded server"
        ),
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        validation_alias="STORYMAP_DATA_DIR",
        description="a directory for the embedded server's data",
    )

    retention_days: int = Field(
        default=90,
        ge=1,
        validation_alias="STORYMAP_RETENTION_DAYS",
        description="a whole number of days (at least 1) to keep finished workshops",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()


class SlackSettings(_EnvSettings):
    """How to reach Slack and be reached by it; Socket Mode when an app token is set.

    One workspace with ``SLACK_BOT_TOKEN``; many (Slack's OAuth install, HTTP mode only)
    with ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` and no bot token.
    """

    #: None only in OAuth mode (the tokens are the installations').
    bot_token: Annotated[SecretStr, _token("xoxb-")] | None = Field(
        validation_alias="SLACK_BOT_TOKEN",
        description="the bot token (xoxb-...) from your Slack app's OAuth page",
    )
    client_id: str | None = Field(
        default=None,
        validation_alias="SLACK_CLIENT_ID",
        description="the client ID from your Slack app's Basic Information page",
    )
    client_secret: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_CLIENT_SECRET",
        description="the client secret from your Slack app's Basic Information page",
    )
    token_key: Annotated[SecretStr, AfterValidator(_fernet_keys)] | None = Field(
        default=None,
        validation_alias="STORYMAP_TOKEN_KEY",
        description=(
            "one or more Fernet keys, comma-separated (the first encrypts), for the stored "
            "bot tokens; unset: a key derived from SLACK_CLIENT_SECRET"
        ),
    )
    redirect_uri: Annotated[str, AfterValidator(_redirect_url)] | None = Field(
        default=None,
        validation_alias="SLACK_REDIRECT_URI",
        description=(
            "the https URL of /slack/oauth_redirect, as listed in your app's Redirect URLs "
            "(needed only when it lists several)"
        ),
    )
    signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_SIGNING_SECRET",
        description=(
            "the signing secret from your Slack app's Basic Information page "
            "(HTTP mode needs it; set SLACK_APP_TOKEN to use Socket Mode instead)"
        ),
    )
    app_token: Annotated[SecretStr, _token("xapp-")] | None = Field(
        default=None,
        validation_alias="SLACK_APP_TOKEN",
        description="an app-level token (xapp-...) for Socket Mode, or unset for HTTP mode",
    )
    api_url: Annotated[str, AfterValidator(_http_url)] = Field(
        default="https://slack.com/api/",
        validation_alias="SLACK_API_URL",
        description="an http(s) URL of the Slack Web API, such as https://slack.com/api/",
    )
    port: int = Field(
        default=3000,
        ge=1,
        le=65535,
        validation_alias="PORT",
        description="a whole number 1-65535",
    )

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def oauth(self) -> bool:
        """Many workspaces, installed through Slack's OAuth flow (no bot token given)."""
        return self.bot_token is None

    @model_validator(mode="before")
    @classmethod
    def _oauth_needs_no_bot_token(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and not data.get("SLACK_BOT_TOKEN")
            and data.get("SLACK_CLIENT_ID")
            and data.get("SLACK_CLIENT_SECRET")
        ):
            return {**data, "SLACK_BOT_TOKEN": None}
        return data

    @model_validator(mode="after")
    def _oauth_is_http_mode(self) -> Self:
        if self.oauth and self.app_token is not None:
            raise PydanticCustomError(
                "oauth_socket_mode",
                "SLACK_APP_TOKEN",
                {"variable": "SLACK_APP_TOKEN"},
            )
        return self

    @model_validator(mode="after")
    def _http_mode_needs_signing_secret(self) -> Self:
        if self.app_token is None and self.signing_secret is None:
            raise PydanticCustomError(
                "missing_variable", "SLACK_SIGNING_SECRET", {"variable": "SLACK_SIGNING_SECRET"}
            )
        return self


class WorkSettings(_EnvSettings):
    """The background work of each process (``bot.slack.dispatcher``)."""

    dispatch_threads: int = Field(
        default=8,
        ge=1,
        le=256,
        validation_alias="STORYMAP_DISPATCH_THREADS",
        description="a whole number from 1 to 256: channels served at once by one process",
    )


class LogSettings(_EnvSettings):
    log_level: Annotated[LogLevel, BeforeValidator(_known_level_upper)] = Field(
        default="INFO",
        validation_alias="STORYMAP_LOG_LEVEL",
        description="one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    )
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = Field(
        default="text",
        validation_alias="LOG_FORMAT",
        description="text (one readable line per record) or json (one JSON object per line)",
    )


SettingsT = TypeVar("SettingsT", bound=_EnvSettings)


def load(settings_class: type[SettingsT]) -> SettingsT:
    """Read ``settings_class`` from the environment or raise a one-line ``ConfigError``."""
    try:
        return settings_class()
    except ValidationError as error:
        # "from None": pydantic's error would carry the raw input into tracebacks.
        raise ConfigError(_describe(settings_class, error.errors())) from None


def _describe(settings_class: type[_EnvSettings], errors: list[ErrorDetails]) -> str:
    expected = {
        str(field.validation_alias): field.description or "a valid value"
        for field in settings_class.model_fields.values()
    }
    lines = [_describe_one(error, expected) for error in errors]
    others = sorted({line.split(" ", 1)[0] for line in lines[1:]} - {lines[0].split(" ", 1)[0]})
    return lines[0] + (f" (also check {', '.join(others)})" if others else "")


def _describe_one(error: ErrorDetails, expected: dict[str, str]) -> str:
    if error["type"] == "oauth_socket_mode":
        return (
            "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: installing in "
            "many workspaces (OAuth) needs HTTP mode; unset SLACK_APP_TOKEN, or set "
            "SLACK_BOT_TOKEN for one workspace"
        )
    if error["type"] == "missing_variable":
        variable = str(error.get("ctx", {})["variable"])
        return f"{variable} is missing: expected {expected[variable]}"
    variable = str(error["loc"][0]) if error["loc"] else "configuration"
    wanted = expected.get(variable, "a valid value")
    if error["type"] == "missing":
        return f"{variable} is missing: expected {wanted}"
    cause = error.get("ctx", {}).get("error")
    if variable in _HIDDEN:
        reason = str(cause) if isinstance(cause, ValueError) else error["msg"]
        return f"{variable} is malformed: expected {wanted}; {reason}"
    shown = str(error["input"])
    if len(shown) > _SHOWN_CHARS:
        shown = shown[:_SHOWN_CHARS] + "..."
    return f"{variable} is malformed: expected {wanted}, got {shown!r}"
