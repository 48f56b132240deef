"""Settings from the environment: valid values parse, bad ones give one safe line."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from bot.config import (
    ConfigError,
    LogSettings,
    SlackSettings,
    StoreSettings,
    WorkSettings,
    default_data_dir,
    load,
)

_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "REDIS_URL",
    "STORYMAP_DATA_DIR",
    "PORT",
    "STORYMAP_LOG_LEVEL",
    "XDG_DATA_HOME",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "STORYMAP_TOKEN_KEY",
    "SLACK_REDIRECT_URI",
    "STORYMAP_DISPATCH_THREADS",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean environment: none of our variables set, whatever the shell had."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def http_env(env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    env.setenv("SLACK_SIGNING_SECRET", "s3cr3t-signing")
    return env


def _error(
    settings_class: type[SlackSettings | StoreSettings | LogSettings | WorkSettings],
) -> str:
    with pytest.raises(ConfigError) as raised:
        load(settings_class)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_http_mode_settings_parse_with_defaults(http_env: pytest.MonkeyPatch) -> None:
    settings = load(SlackSettings)
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == "xoxb-1-2-abc"
    assert settings.signing_secret is not None
    assert settings.signing_secret.get_secret_value() == "s3cr3t-signing"
    assert settings.app_token is None
    assert not settings.socket_mode
    assert settings.api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert "xoxb-1-2-abc" not in repr(settings)


def test_socket_mode_needs_no_signing_secret(env: pytest.MonkeyPatch) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    env.setenv("SLACK_APP_TOKEN", "xapp-1-A1-xyz")
    env.setenv("SLACK_API_URL", "http://127.0.0.1:8080/api")
    env.setenv("PORT", "8081")
    settings = load(SlackSettings)
    assert settings.socket_mode
    assert settings.signing_secret is None
    # The Slack SDK appends method names to it, so the slash matters.
    assert settings.api_url == "http://127.0.0.1:8080/api/"
    assert settings.port == 8081


def test_a_missing_bot_token_names_the_variable_and_where_to_find_it(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("SLACK_SIGNING_SECRET", "x")
    assert _error(SlackSettings) == (
        "SLACK_BOT_TOKEN is missing: expected the bot token (xoxb-...) "
        "from your Slack app's OAuth page"
    )


@pytest.fixture
def oauth_env(env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    env.setenv("SLACK_CLIENT_ID", "123.456")
    env.setenv("SLACK_CLIENT_SECRET", "client-s3cr3t")
    env.setenv("SLACK_SIGNING_SECRET", "s3cr3t-signing")
    return env


def test_client_id_and_secret_without_a_bot_token_is_oauth_mode(
    oauth_env: pytest.MonkeyPatch,
) -> None:
    settings = load(SlackSettings)
    assert settings.oauth
    assert settings.bot_token is None
    assert settings.client_id == "123.456"
    assert settings.client_secret is not None
    assert settings.client_secret.get_secret_value() == "client-s3cr3t"
    assert "client-s3cr3t" not in repr(settings)


def test_the_redirect_uri_is_kept_as_written(oauth_env: pytest.MonkeyPatch) -> None:
    oauth_env.setenv("SLACK_REDIRECT_URI", "https://bot.example.com/slack/oauth_redirect")
    assert load(SlackSettings).redirect_uri == "https://bot.example.com/slack/oauth_redirect"
    oauth_env.setenv("SLACK_REDIRECT_URI", "bot.example.com/slack/oauth_redirect")
    assert _error(SlackSettings).startswith("SLACK_REDIRECT_URI is malformed: ")


def test_a_bot_token_keeps_one_workspace_mode(http_env: pytest.MonkeyPatch) -> None:
    http_env.setenv("SLACK_CLIENT_ID", "123.456")
    http_env.setenv("SLACK_CLIENT_SECRET", "client-s3cr3t")
    assert not load(SlackSettings).oauth


def test_oauth_with_socket_mode_is_refused_in_one_line(oauth_env: pytest.MonkeyPatch) -> None:
    oauth_env.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert _error(SlackSettings) == (
        "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: installing in "
        "many workspaces (OAuth) needs HTTP mode; unset SLACK_APP_TOKEN, or set "
        "SLACK_BOT_TOKEN for one workspace"
    )


def test_a_client_id_alone_still_asks_for_the_bot_token(env: pytest.MonkeyPatch) -> None:
    env.setenv("SLACK_CLIENT_ID", "123.456")
    env.setenv("SLACK_SIGNING_SECRET", "s3cr3t-signing")
    assert _error(SlackSettings).startswith("SLACK_BOT_TOKEN is missing: ")


def test_a_malformed_token_key_is_not_shown(oauth_env: pytest.MonkeyPatch) -> None:
    oauth_env.setenv("STORYMAP_TOKEN_KEY", "not-a-fernet-key-hunter2")
    message = _error(SlackSettings)
    assert message.startswith("STORYMAP_TOKEN_KEY is malformed: ")
    assert "hunter2" not in message


def test_http_mode_without_a_signing_secret_says_what_would_do(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert _error(SlackSettings) == (
        "SLACK_SIGNING_SECRET is missing: expected the signing secret from your Slack "
        "app's Basic Information page (HTTP mode needs it; set SLACK_APP_TOKEN to use "
        "Socket Mode instead)"
    )


def test_an_empty_variable_counts_as_unset(http_env: pytest.MonkeyPatch) -> None:
    http_env.setenv("SLACK_BOT_TOKEN", "")
    assert _error(SlackSettings).startswith("SLACK_BOT_TOKEN is missing: ")
    http_env.setenv("REDIS_URL", "")
    assert load(StoreSettings).redis_url is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PORT", "abc", "PORT is malformed: expected a whole number 1-65535, got 'abc'"),
        ("PORT", "0", "PORT is malformed: expected a whole number 1-65535, got '0'"),
        ("PORT", "65536", "PORT is malformed: expected a whole number 1-65535, got '65536'"),
        (
            "SLACK_API_URL",
            "slack.com/api",
            "SLACK_API_URL is malformed: expected an http(s) URL of the Slack Web API, "
            "such as https://slack.com/api/, got 'slack.com/api'",
        ),
        (
            "SLACK_APP_TOKEN",
            "xoxb-wrong-kind",
            "SLACK_APP_TOKEN is malformed: expected an app-level token (xapp-...) for "
            "Socket Mode, or unset for HTTP mode; "
            "the value given (not shown) does not start with xapp-",
        ),
    ],
)
def test_a_malformed_slack_variable_gives_one_line(
    http_env: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    http_env.setenv(variable, value)
    assert _error(SlackSettings) == message


def test_secrets_never_reach_the_message_or_the_traceback(
    http_env: pytest.MonkeyPatch,
) -> None:
    http_env.setenv("SLACK_BOT_TOKEN", "xoxp-user-token-hunter2")
    with pytest.raises(ConfigError) as raised:
        load(SlackSettings)
    assert str(raised.value) == (
        "SLACK_BOT_TOKEN is malformed: expected the bot token (xoxb-...) from your Slack "
        "app's OAuth page; the value given (not shown) does not start with xoxb-"
    )
    assert "hunter2" not in "".join(traceback.format_exception(raised.value))

    http_env.setenv("REDIS_URL", "http://:hunter2@db.internal:6379")
    with pytest.raises(ConfigError) as raised:
        load(StoreSettings)
    assert str(raised.value) == (
        "REDIS_URL is malformed: expected a redis://, rediss:// or unix:// URL, a "
        "redis+cluster:// or rediss+cluster:// URL of one node of a Redis Cluster, or unset "
        "for the embedded server; the value given (not shown) has scheme 'http'"
    )
    assert "hunter2" not in "".join(traceback.format_exception(raised.value))


def test_a_token_with_whitespace_is_malformed(http_env: pytest.MonkeyPatch) -> None:
    http_env.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc\n")
    assert _error(SlackSettings).endswith("the value given (not shown) contains whitespace")


def test_several_bad_variables_name_the_first_and_list_the_rest(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("SLACK_API_URL", "ftp://example.com/")
    env.setenv("PORT", "http")
    assert _error(SlackSettings) == (
        "SLACK_BOT_TOKEN is missing: expected the bot token (xoxb-...) from your Slack "
        "app's OAuth page (also check PORT, SLACK_API_URL)"
    )


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "rediss://:pw@cache.example.com:6380",
        "unix:///tmp/v.sock",
        "redis+cluster://127.0.0.1:7000",
        "rediss+cluster://user:pw,1@cluster.example.com:6380/0",
    ],
)
def test_redis_urls_of_each_supported_scheme_parse(env: pytest.MonkeyPatch, url: str) -> None:
    env.setenv("REDIS_URL", url)
    settings = load(StoreSettings)
    assert settings.redis_url == url
    assert "pw@" not in repr(settings)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis-cluster://h:1", "has scheme 'redis-cluster'"),
        ("unix://", "names no socket path"),
        ("redis://", "names no host"),
        ("redis+cluster:///0", "names no host"),
        ("unix+cluster:///tmp/v.sock", "has scheme 'unix+cluster'"),
        ("redis+cluster://a:7000,b:7001", "names several hosts; give one seed node"),
        ("redis+cluster://:pw@a:7000/2", "selects a database; a cluster has only 0"),
        ("rediss+cluster://a:7000?db=1", "selects a database; a cluster has only 0"),
    ],
)
def test_a_malformed_redis_url_says_why(env: pytest.MonkeyPatch, url: str, reason: str) -> None:
    env.setenv("REDIS_URL", url)
    assert _error(StoreSettings).endswith(f"; the value given (not shown) {reason}")


def test_the_data_dir_defaults_to_the_users_xdg_data_home(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert load(StoreSettings).data_dir == tmp_path / "xdg" / "storymap"
    # The XDG spec says to ignore a relative XDG_DATA_HOME.
    env.setenv("XDG_DATA_HOME", "relative/dir")
    env.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home" / ".local" / "share" / "storymap"
    assert load(StoreSettings).redis_url is None


def test_an_explicit_data_dir_is_made_absolute(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("HOME", str(tmp_path))
    env.setenv("STORYMAP_DATA_DIR", "~/maps")
    assert load(StoreSettings).data_dir == tmp_path / "maps"
    env.chdir(tmp_path)
    env.setenv("STORYMAP_DATA_DIR", "relative")
    assert load(StoreSettings).data_dir == tmp_path / "relative"


def test_log_level_defaults_to_info_and_ignores_case(env: pytest.MonkeyPatch) -> None:
    assert load(LogSettings).log_level == "INFO"
    env.setenv("STORYMAP_LOG_LEVEL", "debug")
    assert load(LogSettings).log_level == "DEBUG"
    env.setenv("STORYMAP_LOG_LEVEL", "verbose")
    assert _error(LogSettings) == (
        "STORYMAP_LOG_LEVEL is malformed: expected one of DEBUG, INFO, WARNING, ERROR, "
        "CRITICAL, got 'verbose'"
    )


def test_dispatch_threads_default_to_8_and_a_bad_count_is_one_line(
    env: pytest.MonkeyPatch,
) -> None:
    assert load(WorkSettings).dispatch_threads == 8
    env.setenv("STORYMAP_DISPATCH_THREADS", "32")
    assert load(WorkSettings).dispatch_threads == 32
    env.setenv("STORYMAP_DISPATCH_THREADS", "0")
    message = _error(WorkSettings)
    assert message.startswith("STORYMAP_DISPATCH_THREADS is malformed: expected a whole number")
