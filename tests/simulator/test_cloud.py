"""``SlackCloud``: several workspaces behind one Web API, and ``oauth.v2.access``."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slacksim import SlackCloud

CLIENT_ID = "111.222"
CLIENT_SECRET = "cloud-secret"
REDIRECT = "http://127.0.0.1:9/slack/oauth_redirect"


@pytest.fixture
def cloud() -> Iterator[SlackCloud]:
    with SlackCloud(signing_secret="s", client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as c:
        for team in ("TALPHA", "TBRAVO"):
            sim = c.add_workspace(team, name=team.title(), enterprise=("EORG", "Org"))
            sim.add_user("U_ANA", "ana")
            sim.add_channel("#general", ["U_ANA"])
        yield c


def approve(cloud: SlackCloud, team: str, state: str = "st4te") -> str:
    """The user approves the install in ``team``; returns the code Slack redirects with."""
    parts = urlsplit(cloud.base_url)
    query = urlencode(
        {"client_id": CLIENT_ID, "scope": "chat:write", "state": state, "redirect_uri": REDIRECT}
    )
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
    try:
        connection.request(
            "GET", f"/oauth/v2/authorize?{query}", headers={"Cookie": f"sim_team={team}"}
        )
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 302
        location = urlsplit(answer.getheader("Location") or "")
    finally:
        connection.close()
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = parse_qs(location.query)
    assert params["state"] == [state]
    return params["code"][0]


def test_oauth_access_answers_slacks_v2_shape_once_per_code(cloud: SlackCloud) -> None:
    code = approve(cloud, "TALPHA")
    installer = WebClient(base_url=cloud.api_url)
    answer = installer.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code, redirect_uri=REDIRECT
    ).data
    assert isinstance(answer, dict)
    assert answer["access_token"] == cloud.token_of("TALPHA")
    assert str(answer["access_token"]).startswith("xoxb-")
    assert answer["token_type"] == "bot"
    assert answer["scope"] == "chat:write"
    assert answer["team"] == {"id": "TALPHA", "name": "Talpha"}
    assert answer["enterprise"] == {"id": "EORG", "name": "Org"}
    assert answer["is_enterprise_install"] is False
    assert answer["authed_user"] == {"id": "U0INSTALL1"}
    assert answer["app_id"] == cloud.app_id
    assert answer["bot_user_id"] == cloud.workspace("TALPHA").identity.bot_user_id
    with pytest.raises(SlackApiError) as again:
        installer.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
    assert again.value.response["error"] == "invalid_code"


def test_oauth_access_checks_the_client_and_the_redirect(cloud: SlackCloud) -> None:
    installer = WebClient(base_url=cloud.api_url)
    with pytest.raises(SlackApiError) as wrong_secret:
        installer.oauth_v2_access(
            client_id=CLIENT_ID, client_secret="nope", code=approve(cloud, "TALPHA")
        )
    assert wrong_secret.value.response["error"] == "bad_client_secret"
    with pytest.raises(SlackApiError) as elsewhere:
        installer.oauth_v2_access(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            code=approve(cloud, "TALPHA"),
            redirect_uri="http://127.0.0.1:9/other",
        )
    assert elsewhere.value.response["error"] == "bad_redirect_uri"


def test_a_token_acts_only_in_its_own_workspace_and_every_call_is_recorded(
    cloud: SlackCloud,
) -> None:
    alpha = WebClient(token=cloud.token_of("TALPHA"), base_url=cloud.api_url)
    with pytest.raises(SlackApiError) as early:
        alpha.auth_test()
    assert early.value.response["error"] == "invalid_auth"  # not installed yet

    installer = WebClient(base_url=cloud.api_url)
    for team in ("TALPHA", "TBRAVO"):
        installer.oauth_v2_access(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=approve(cloud, team)
        )
    mine = cloud.workspace("TALPHA").channel("#general").id
    theirs = cloud.workspace("TBRAVO").channel("#general").id
    assert mine != theirs

    assert alpha.auth_test()["team_id"] == "TALPHA"
    alpha.chat_postMessage(channel=mine, text="hello")
    with pytest.raises(SlackApiError) as crossed:
        alpha.chat_postMessage(channel=theirs, text="hello")
    assert crossed.value.response["error"] == "channel_not_found"

    assert [m.text for m in cloud.workspace("TALPHA").messages(mine)] == ["hello"]
    assert cloud.workspace("TBRAVO").messages(theirs) == []
    wrong = cloud.wrong_token_calls()
    assert [(c.method, c.token_team, c.channel_team, c.error) for c in wrong] == [
        ("chat.postMessage", "TALPHA", "TBRAVO", "channel_not_found")
    ]
    assert [c.method for c in cloud.calls_with_token_of("TALPHA")] == [
        "auth.test",
        "chat.postMessage",
        "chat.postMessage",
    ]
