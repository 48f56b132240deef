"""`manifest.yml`: valid for Slack, and asking for exactly the scopes the bot uses.

Slack's published schema checks shapes (types, lengths, an `http(s)://` prefix), not meaning:
any string passes as a scope or an event name. The tables below add what it leaves out. A new
event, Web API call or scope is a conscious change: add it to the table here, with the reason,
and to the manifest with a comment.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, ValidationError

from bot.render.ids import ADD_TO_MAP_SHORTCUT
from bot.slack.clients import BOT_SCOPES

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = REPO_ROOT / "manifest.yml"
SLACK_SHARED = REPO_ROOT.parent / "shared" / "slack"

# Slack delivers each bot event only to an app holding this scope (None: no scope).
EVENT_SCOPES: dict[str, str | None] = {
    "message.channels": "channels:history",  # thread replies in public channels
    "message.groups": "groups:history",  # thread replies in private channels
    "reaction_added": "reactions:read",  # votes
    "reaction_removed": "reactions:read",  # withdrawn votes
    "app_uninstalled": None,  # a workspace left: purge it
    "tokens_revoked": None,  # the bot's token was revoked: purge it
    "app_home_opened": None,  # the Home tab opened: publish it
}

# Web API methods the bot calls, and the bot scopes each needs: the bot works in public
# and private channels alike, so conversations.* need both read scopes.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "pins.add": frozenset({"pins:write"}),
    "reactions.add": frozenset({"reactions:write"}),
    "conversations.info": frozenset({"channels:read", "groups:read"}),
    "conversations.members": frozenset({"channels:read", "groups:read"}),
    "users.info": frozenset({"users:read"}),
    "views.open": frozenset(),  # modals are opened with a trigger_id, no scope
    "chat.getPermalink": frozenset(),  # "Add to story map" and the Home tab's links
    "files.getUploadURLExternal": frozenset({"files:write"}),  # the map's picture
    "files.completeUploadExternal": frozenset({"files:write"}),
    "users.getPresence": frozenset({"users:read"}),  # no reminder to someone away
    "dnd.info": frozenset({"dnd:read"}),  # away with do-not-disturb on: no reminder
    "views.publish": frozenset(),  # the Home tab, no scope
    "users.conversations": frozenset({"channels:read", "groups:read"}),  # a person's channels
}

# Methods newer than Slack's 2021 OpenAPI description: their scopes come from Slack's
# method reference (docs.slack.dev/reference/methods/<method>) instead.
NEWER_THAN_OPENAPI = frozenset({"files.getUploadURLExternal", "files.completeUploadExternal"})

# Slack's 2021 OpenAPI description predates granular bot scopes and names the legacy ones.
_LEGACY_SCOPES = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write"}

ALLOWED_BOT_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "pins:write",
        "files:write",
        "reactions:read",
        "reactions:write",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
        "users:read",
        "dnd:read",
    }
)

# Bolt's default endpoint, served on $PORT in HTTP mode (PRODUCT.md, environment contract).
EVENTS_PATH = "/slack/events"

# Slack's schema spells this rule `regex`, which JSON Schema ignores, so it is checked here.
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?")


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "manifest.yml must be a YAML mapping"
    return loaded


@pytest.fixture(scope="module")
def validator(manifest: dict[str, Any]) -> Draft7Validator:
    # The same choice slackapi/manifest-schema's top-level schema makes: major_version 2
    # selects the 2.0.0 schema; anything else, including no _metadata, means 1.0.0.
    major = manifest.get("_metadata", {}).get("major_version", 1)
    schema_path = SLACK_SHARED / f"manifest.schema.{major}.0.0.json"
    if not SLACK_SHARED.is_dir():
        pytest.skip(f"Slack's manifest schemas are read from {SLACK_SHARED}, which is absent")
    assert schema_path.is_file(), f"no Slack schema for manifest major_version {major}"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def _errors(validator: Draft7Validator, document: dict[str, Any]) -> list[ValidationError]:
    return sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))


def _bot_scopes(manifest: dict[str, Any]) -> list[str]:
    scopes: list[str] = manifest["oauth_config"]["scopes"]["bot"]
    return scopes


def _bot_events(manifest: dict[str, Any]) -> list[str]:
    events: list[str] = manifest["settings"]["event_subscriptions"]["bot_events"]
    return events


def test_manifest_passes_slacks_schema(
    manifest: dict[str, Any], validator: Draft7Validator
) -> None:
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in _errors(validator, manifest)
    ]
    assert problems == []


def _drop_app_name(m: dict[str, Any]) -> None:
    del m["display_information"]["name"]


def _scopes_as_string(m: dict[str, Any]) -> None:
    m["oauth_config"]["scopes"]["bot"] = "commands,chat:write"


def _command_without_slash(m: dict[str, Any]) -> None:
    m["features"]["slash_commands"][0]["command"] = "storymap"


def _misspelt_section(m: dict[str, Any]) -> None:
    m["setting"] = m.pop("settings")


def _interactivity_without_switch(m: dict[str, Any]) -> None:
    del m["settings"]["interactivity"]["is_enabled"]


@pytest.mark.parametrize(
    ("breakage", "path", "rule"),
    [
        pytest.param(_drop_app_name, ("display_information",), "required", id="no-app-name"),
        pytest.param(
            _scopes_as_string, ("oauth_config", "scopes", "bot"), "type", id="scopes-not-a-list"
        ),
        pytest.param(
            _command_without_slash,
            ("features", "slash_commands", 0, "command"),
            "pattern",
            id="command-without-slash",
        ),
        pytest.param(_misspelt_section, (), "additionalProperties", id="unknown-section"),
        pytest.param(
            _interactivity_without_switch,
            ("settings", "interactivity"),
            "required",
            id="interactivity-without-is_enabled",
        ),
    ],
)
def test_schema_rejects_a_broken_manifest(
    manifest: dict[str, Any],
    validator: Draft7Validator,
    breakage: Callable[[dict[str, Any]], None],
    path: tuple[str | int, ...],
    rule: str,
) -> None:
    broken = copy.deepcopy(manifest)
    breakage(broken)
    found = {(tuple(e.absolute_path), e.validator) for e in _errors(validator, broken)}
    assert (path, rule) in found


def test_the_slash_command_is_storymap(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/storymap"]
    # Escaping on would turn typed @mentions into <@U...> tokens that ping when echoed.
    assert commands[0]["should_escape"] is False


def test_the_message_shortcut_is_the_one_the_bot_listens_for(manifest: dict[str, Any]) -> None:
    shortcuts = manifest["features"]["shortcuts"]
    assert [(s["type"], s["callback_id"]) for s in shortcuts] == [("message", ADD_TO_MAP_SHORTCUT)]
    assert shortcuts[0]["name"] == "Add to story map"


def test_every_bot_event_has_its_scope(manifest: dict[str, Any]) -> None:
    events = _bot_events(manifest)
    scopes = set(_bot_scopes(manifest))
    unknown = [e for e in events if e not in EVENT_SCOPES]
    assert unknown == [], "add new events to EVENT_SCOPES with the scope Slack requires"
    missing = {e: EVENT_SCOPES[e] for e in events if EVENT_SCOPES[e] not in (scopes | {None})}
    assert missing == {}


def test_no_bot_scope_outside_the_allow_list(manifest: dict[str, Any]) -> None:
    scopes = _bot_scopes(manifest)
    assert len(scopes) == len(set(scopes)), "a scope is listed twice"
    assert sorted(set(scopes) - ALLOWED_BOT_SCOPES) == []


def test_bot_scopes_are_exactly_what_the_bot_uses(manifest: dict[str, Any]) -> None:
    needed = {scope for e in _bot_events(manifest) if (scope := EVENT_SCOPES[e]) is not None}
    needed.update(*METHOD_SCOPES.values())
    if manifest["features"].get("slash_commands"):
        needed.add("commands")
    assert set(_bot_scopes(manifest)) == needed
    assert needed <= ALLOWED_BOT_SCOPES


def test_an_oauth_install_asks_for_the_manifests_scopes(manifest: dict[str, Any]) -> None:
    assert list(BOT_SCOPES) == _bot_scopes(manifest)
    (redirect,) = manifest["oauth_config"]["redirect_urls"]
    assert redirect.startswith("https://")
    assert redirect.endswith("/slack/oauth_redirect")


def test_no_user_scopes(manifest: dict[str, Any]) -> None:
    # The bot acts as itself only; a user token would need its own review.
    assert set(manifest["oauth_config"]["scopes"]) == {"bot"}


def test_method_scopes_agree_with_slacks_openapi() -> None:
    spec_path = SLACK_SHARED / "slack_web_openapi_v2.json"
    if not spec_path.is_file():
        pytest.skip(f"Slack's OpenAPI description is read from {spec_path}, which is absent")
    paths = json.loads(spec_path.read_text(encoding="utf-8"))["paths"]
    # A method listed as newer must really be missing, so no published scope is skipped.
    assert sorted(f"/{m}" for m in NEWER_THAN_OPENAPI if f"/{m}" in paths) == []
    for method, scopes in METHOD_SCOPES.items():
        if method in NEWER_THAN_OPENAPI:
            continue
        (operation,) = paths[f"/{method}"].values()
        published = {
            _LEGACY_SCOPES.get(scope, scope)
            for requirement in operation["security"]
            for scope in requirement["slackAuth"]
        }
        if scopes:
            assert scopes <= published, method
        else:
            assert published == {"none"}, method


def test_every_url_is_https_to_the_events_endpoint(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = [c["url"] for c in manifest["features"]["slash_commands"]]
    urls.append(settings["event_subscriptions"]["request_url"])
    urls.append(settings["interactivity"]["request_url"])
    # Slack's schema accepts http://; Slack itself only posts to https.
    assert all(u.startswith("https://") and u.endswith(EVENTS_PATH) for u in urls), urls


def test_app_settings(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    assert manifest["features"]["bot_user"] == {"display_name": "storymap", "always_online": False}
    colour = manifest["display_information"].get("background_color", "#000")
    assert HEX_COLOUR.fullmatch(colour), colour
