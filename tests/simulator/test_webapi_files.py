"""Slack's three-step upload against the simulator, with slack_sdk's WebClient unchanged:
``files.getUploadURLExternal``, a POST of the bytes, ``files.completeUploadExternal``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slacksim import UPLOAD_FAULT, RateLimits, SlackSimulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))


def _post(url: str, body: bytes, content_type: str | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (local)
            return answer.status, answer.read()
    except urllib.error.HTTPError as failure:
        return failure.code, failure.read()


def _slack_error(call: object) -> str:
    assert isinstance(call, SlackApiError)
    return str(call.response["error"])


def _start(client: WebClient, alt_txt: str | None = None) -> tuple[str, str]:
    answer = client.files_getUploadURLExternal(filename="map.png", length=len(PNG), alt_txt=alt_txt)
    return str(answer["upload_url"]), str(answer["file_id"])


def test_three_steps_share_the_file_in_a_thread(
    client: WebClient, sim: SlackSimulator, team: str
) -> None:
    parent = client.chat_postMessage(channel=team, text="the map")["ts"]
    url, file_id = _start(client, alt_txt="A map: Track, Plan")
    assert url.startswith(sim.base_url)
    assert file_id.startswith("F")
    assert _post(url, PNG) == (200, f"OK - {len(PNG)}".encode())
    answer = client.files_completeUploadExternal(
        files=[{"id": file_id, "title": "Story map"}],
        channel_id=team,
        thread_ts=parent,
        initial_comment="The map as a picture",
    )
    (shared,) = answer["files"]
    assert (shared["id"], shared["title"], shared["name"]) == (file_id, "Story map", "map.png")
    assert (shared["mimetype"], shared["size"], shared["alt_txt"]) == (
        "image/png",
        len(PNG),
        "A map: Track, Plan",
    )
    (reply,) = sim.replies("team", parent)
    assert reply.is_bot
    assert reply.text == "The map as a picture"
    assert [f["id"] for f in reply.files] == [file_id]
    assert [m.text for m in sim.messages("team")] == ["the map"]  # in the thread only
    stored = sim.file(file_id)
    assert stored.content == PNG
    assert stored.completed
    assert (stored.title, stored.alt_txt, stored.channel) == (
        "Story map",
        "A map: Track, Plan",
        team,
    )
    assert stored.message_ts == reply.ts
    assert stored.thread_ts == parent
    assert [f.id for f in sim.files("team")] == [file_id]
    # The parent now shows its thread, and the pinned list shows messages with their files.
    pins = client.pins_add(channel=team, timestamp=reply.ts)
    assert pins["ok"]
    (item,) = client.pins_list(channel=team)["items"]
    assert item["message"]["files"][0]["title"] == "Story map"


def test_multipart_upload_and_a_share_in_the_channel(
    client: WebClient, sim: SlackSimulator, team: str
) -> None:
    url, file_id = _start(client)
    boundary = "sim-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="filename"\r\n\r\nmap.png\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="map.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    assert _post(url, body, f"multipart/form-data; boundary={boundary}")[0] == 200
    client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=team)
    (message,) = sim.messages("team")
    assert message.files[0]["title"] == "map.png"  # no title: the file name
    assert sim.file(file_id).content == PNG


def test_the_uploaded_length_must_match(client: WebClient, sim: SlackSimulator, team: str) -> None:
    url, file_id = _start(client)
    assert _post(url, PNG[:-1])[0] == 200  # Slack takes the bytes and checks later
    with pytest.raises(SlackApiError) as refused:
        client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=team)
    assert _slack_error(refused.value) == "invalid_arguments"
    assert f"{len(PNG) - 1} bytes uploaded, length was {len(PNG)}" in str(
        refused.value.response["response_metadata"]
    )
    # Nothing uploaded at all is refused the same way; a fixed upload then completes.
    _, empty = _start(client)
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.files_completeUploadExternal(files=[{"id": empty}], channel_id=team)
    assert _post(url, PNG)[0] == 200
    client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=team)
    assert sim.messages("team")[0].files[0]["id"] == file_id


def test_unknown_or_already_completed_files_are_not_found(
    client: WebClient, sim: SlackSimulator, team: str
) -> None:
    with pytest.raises(SlackApiError) as unknown:
        client.files_completeUploadExternal(files=[{"id": "F0NOSUCH00"}], channel_id=team)
    assert _slack_error(unknown.value) == "file_not_found"
    url, file_id = _start(client)
    _post(url, PNG)
    client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=team)
    with pytest.raises(SlackApiError) as twice:
        client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=team)
    assert _slack_error(twice.value) == "file_not_found"
    assert len(sim.messages("team")) == 1  # shared once
    assert _post(url, PNG)[0] == 404  # the upload URL is used up too


def test_channel_checks(client: WebClient, sim: SlackSimulator, team: str) -> None:
    url, file_id = _start(client)
    _post(url, PNG)
    lobby = sim.channel("lobby").id
    for channel, error in [("C0NOSUCH00", "channel_not_found"), (lobby, "not_in_channel")]:
        with pytest.raises(SlackApiError) as refused:
            client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=channel)
        assert _slack_error(refused.value) == error
    for thread_ts, error in [("nope", "invalid_thread_ts"), ("1.000001", "thread_not_found")]:
        with pytest.raises(SlackApiError) as refused:
            client.files_completeUploadExternal(
                files=[{"id": file_id}], channel_id=team, thread_ts=thread_ts
            )
        assert _slack_error(refused.value) == error
    assert not sim.file(file_id).completed  # a refused completion changes nothing
    # Without a channel the file is completed but stays private, as Slack documents.
    client.files_completeUploadExternal(files=[{"id": file_id}])
    private = sim.file(file_id)
    assert private.completed
    assert private.channel is None
    assert sim.messages("team") == []
    assert sim.files("team") == []


def test_an_archived_channel_refuses_the_share(
    client: WebClient, sim: SlackSimulator, team: str
) -> None:
    url, file_id = _start(client)
    _post(url, PNG)
    sim.archive_channel("team")
    with pytest.raises(SlackApiError) as refused:
        client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=team)
    assert _slack_error(refused.value) == "is_archived"
    assert not sim.file(file_id).completed


def test_bad_arguments(client: WebClient, sim: SlackSimulator) -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"filename": "map.png"}, "invalid_arguments"),
        ({"length": 3}, "invalid_arguments"),
        ({"filename": "map.png", "length": 0}, "invalid_arguments"),
        ({"filename": "map.png", "length": "ten"}, "invalid_arguments"),
        ({"filename": "map.png", "length": 3, "alt_txt": "x" * 1001}, "alt_txt_too_large"),
    ]
    for args, error in cases:
        with pytest.raises(SlackApiError) as refused:
            client.api_call("files.getUploadURLExternal", params=args)
        assert _slack_error(refused.value) == error, args
    assert client.files_getUploadURLExternal(filename="a.png", length=3, alt_txt="x" * 1000)["ok"]
    for files in ["not json", json.dumps([]), json.dumps([{"title": "no id"}])]:
        with pytest.raises(SlackApiError) as refused:
            client.api_call("files.completeUploadExternal", params={"files": files})
        assert _slack_error(refused.value) == "invalid_arguments", files


def test_files_upload_is_retired(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as retired:
        client.api_call("files.upload", params={"channels": "C1", "content": "x"})
    assert _slack_error(retired.value) == "method_deprecated"


def test_a_planned_fault_fails_the_upload_once(client: WebClient, sim: SlackSimulator) -> None:
    url, file_id = _start(client)
    sim.fail(UPLOAD_FAULT, status=503)
    assert _post(url, PNG)[0] == 503
    assert sim.file(file_id).content is None
    assert _post(url, PNG)[0] == 200
    assert _post(sim.base_url + "upload/v1/unknown-key", PNG)[0] == 404


def test_both_methods_are_tier_4(client: WebClient, sim: SlackSimulator) -> None:
    sim.rate_limits = RateLimits.slack().with_method("files.getUploadURLExternal", 60, burst=2)
    for method in ("files.getUploadURLExternal", "files.completeUploadExternal"):
        limit = RateLimits.slack().limit_for(method)
        assert limit is not None, method
        assert limit.per_minute == 100.0, method
    client.retry_handlers.clear()
    _start(client)
    _start(client)
    with pytest.raises(SlackApiError) as limited:
        _start(client)
    assert limited.value.response.status_code == 429
    assert sim.rate_limited["files.getUploadURLExternal"] == 1
