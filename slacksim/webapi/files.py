"""Uploading a file, Slack's three steps: ``files.getUploadURLExternal``, a POST of the
bytes to the upload URL it returns (``slacksim.uploads``), ``files.completeUploadExternal``.

Rules kept:
- ``files.getUploadURLExternal`` needs ``filename`` and ``length`` (a whole number of
  bytes, at least 1): missing or malformed is ``invalid_arguments``; ``alt_txt`` is at most
  1,000 characters (``alt_txt_too_large``); it answers ``upload_url`` and ``file_id``;
- ``files.completeUploadExternal`` takes ``files``, a JSON array of ``{id, title}`` (not
  an array of objects with an ``id``: ``invalid_arguments``); every id must be a file this
  workspace handed out and not completed yet (``file_not_found``: the upload ticket is
  unknown or used up, Slack's method "can only be called once"); its bytes must have
  arrived and number exactly the declared ``length`` (Slack documents no error code of
  its own for a size mismatch; the simulator answers ``invalid_arguments`` with a
  message naming the file and both sizes);
- ``channel_id`` is checked like any write into a channel (``channel_not_found``,
  ``not_in_channel``); without it the file is completed but stays private (no message),
  as Slack documents; ``thread_ts`` must be well formed (``invalid_thread_ts``) and name a
  live message (``thread_not_found``); a reply's ts lands in its parent's thread;
- completing shares the files in one message by the bot, text ``initial_comment`` (or
  empty), carrying them in ``files`` (shown by ``message_json`` wherever messages are);
  the answer lists the completed files in Slack's file shape;
- ``files.upload`` was retired by Slack (November 2025) and answers ``method_deprecated``.
"""

from __future__ import annotations

import time
from typing import Any

from slacksim.state import Message, UploadedFile, Workspace
from slacksim.webapi.checks import is_ts, writable_channel
from slacksim.webapi.context import ApiContext, ApiError, Args

JsonDict = dict[str, Any]

#: Slack's bound on ``alt_txt`` (``alt_txt_too_large`` beyond it).
ALT_TXT_MAX = 1000
#: Where upload URLs live on the simulator's server (``<public url>upload/v1/<key>``).
UPLOAD_PATH = "/upload/v1/"

_MIMETYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "csv": "text/csv",
    "json": "application/json",
    "md": "text/markdown",
    "txt": "text/plain",
}


def get_upload_url(ctx: ApiContext, args: Args) -> JsonDict:
    filename = args.get_str("filename")
    if filename is None:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: filename"])
    length_text = args.get_str("length")
    if length_text is None:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: length"])
    if not length_text.isdigit() or int(length_text) < 1:
        raise ApiError("invalid_arguments", ["[ERROR] length must be a positive integer"])
    alt_txt = args.get_str("alt_txt")
    if alt_txt is not None and len(alt_txt) > ALT_TXT_MAX:
        raise ApiError("alt_txt_too_large")
    upload = UploadedFile(
        id=ctx.ids.object_id("F"),
        filename=filename,
        length=int(length_text),
        upload_key=ctx.ids.secret(),
        alt_txt=alt_txt,
        snippet_type=args.get_str("snippet_type"),
        created=int(time.time()),
    )
    ctx.workspace.files[upload.id] = upload
    url = f"{ctx.public_url.rstrip('/')}{UPLOAD_PATH}{upload.upload_key}"
    return {"upload_url": url, "file_id": upload.id}


def complete_upload(ctx: ApiContext, args: Args) -> JsonDict:
    workspace = ctx.workspace
    wanted = _file_list(args)
    uploads: list[tuple[UploadedFile, str | None]] = []
    for file_id, title in wanted:
        upload = workspace.files.get(file_id)
        if upload is None or upload.completed:
            raise ApiError("file_not_found")
        if upload.content is None or len(upload.content) != upload.length:
            got = "nothing" if upload.content is None else f"{len(upload.content)} bytes"
            raise ApiError(
                "invalid_arguments",
                [f"[ERROR] file {file_id}: {got} uploaded, length was {upload.length}"],
            )
        uploads.append((upload, title))
    channel = None
    thread_ts = args.get_str("thread_ts")
    if args.get_str("channel_id") is not None:
        channel = writable_channel(ctx, args, "channel_id")
        if thread_ts is not None:
            if not is_ts(thread_ts):
                raise ApiError("invalid_thread_ts")
            parent = workspace.message(channel.id, thread_ts)
            if parent is None:
                raise ApiError("thread_not_found")
            thread_ts = parent.thread_ts or parent.ts
    for upload, title in uploads:
        upload.completed = True
        upload.title = title or upload.filename
    if channel is not None:
        message = Message(
            channel=channel.id,
            ts=ctx.ids.ts(),
            user=workspace.identity.bot_user_id,
            text=args.get_str("initial_comment") or "",
            blocks=[],
            thread_ts=thread_ts,
            is_bot=True,
        )
        for upload, _ in uploads:
            upload.channel, upload.thread_ts, upload.message_ts = channel.id, thread_ts, message.ts
        message.files = [file_json(workspace, upload) for upload, _ in uploads]
        workspace.add_message(message)
    return {"files": [file_json(workspace, upload) for upload, _ in uploads]}


def retired_upload(ctx: ApiContext, args: Args) -> JsonDict:
    raise ApiError("method_deprecated")


def file_json(workspace: Workspace, upload: UploadedFile) -> JsonDict:
    """A file as Slack describes it (the fields a reader of a message's ``files`` uses)."""
    identity = workspace.identity
    extension = upload.filename.rpartition(".")[2].lower() if "." in upload.filename else ""
    base = f"https://files.slack.com/files-pri/{identity.team_id}-{upload.id}"
    body: JsonDict = {
        "id": upload.id,
        "created": upload.created,
        "timestamp": upload.created,
        "name": upload.filename,
        "title": upload.title or upload.filename,
        "mimetype": _MIMETYPES.get(extension, "application/octet-stream"),
        "filetype": extension or "binary",
        "user": identity.bot_user_id,
        "size": upload.length,
        "mode": "hosted",
        "is_external": False,
        "is_public": upload.channel is not None,
        "url_private": f"{base}/{upload.filename}",
        "url_private_download": f"{base}/download/{upload.filename}",
        "permalink": f"https://{identity.team_domain}.slack.com/files/"
        f"{identity.bot_user_id}/{upload.id}/{upload.filename}",
        "channels": [upload.channel] if upload.channel else [],
    }
    if upload.alt_txt is not None:
        body["alt_txt"] = upload.alt_txt
    return body


def _file_list(args: Args) -> list[tuple[str, str | None]]:
    raw = args.get_json("files", "invalid_arguments")
    if not isinstance(raw, list) or not raw:
        raise ApiError("invalid_arguments", ["[ERROR] files must be a non-empty JSON array"])
    found: list[tuple[str, str | None]] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise ApiError("invalid_arguments", ["[ERROR] each file needs an id"])
        title = item.get("title")
        found.append((item["id"], title if isinstance(title, str) and title else None))
    return found
