"""The upload URL of ``files.getUploadURLExternal``: where a file's bytes are POSTed.

Rules kept:
- ``POST <public url>upload/v1/<key>`` takes the bytes of the file the key was handed out
  for: the raw body, or, when the request is ``multipart/form-data``, the part carrying a
  file name (else the part named ``file``, else the only part), as Slack accepts both;
- it answers HTTP 200 ``OK - <bytes>`` on success, as Slack's does; an unknown key, or the
  key of a file already completed, is 404; an unreadable multipart body is 400. Uploading
  again before completion replaces the bytes;
- it takes no token (the key is the credential) and is not rate limited; the size is not
  checked here but by ``files.completeUploadExternal`` (Slack processes uploads
  asynchronously);
- a test makes it fail with ``sim.fail(UPLOAD_FAULT, status=500)``, like any method.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.policy import HTTP

from slacksim.answers import HttpAnswer
from slacksim.faults import Faults
from slacksim.webapi.context import ApiContext

#: The name under which ``fail`` plans faults of the upload URL.
UPLOAD_FAULT = "files.upload_url"


class UploadEndpoint:
    def __init__(self, ctx: ApiContext, faults: Faults) -> None:
        self._ctx = ctx
        self._faults = faults

    def handle(self, key: str, headers: Mapping[str, str], body: bytes) -> HttpAnswer:
        workspace = self._ctx.workspace
        with workspace.lock:
            workspace.calls[UPLOAD_FAULT] += 1
            upload = next((f for f in workspace.files.values() if f.upload_key == key), None)
            if upload is None or upload.completed:
                return HttpAnswer.text(404, "not_found")
        fault = self._faults.answer(UPLOAD_FAULT, None)
        if fault is not None:
            status, payload = fault
            return HttpAnswer.text(status if status != 200 else 500, str(payload["error"]))
        content = _file_bytes(headers, body)
        if content is None:
            return HttpAnswer.text(400, "invalid_multipart")
        with workspace.lock:
            upload.content = content
        return HttpAnswer.text(200, f"OK - {len(content)}")


def _file_bytes(headers: Mapping[str, str], body: bytes) -> bytes | None:
    content_type = headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    document = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not document.is_multipart():
        return None
    parts = [p for p in document.iter_parts() if isinstance(p, MimeMessage)]
    chosen = (
        next((p for p in parts if p.get_filename()), None)
        or next(
            (p for p in parts if p.get_param("name", header="content-disposition") == "file"), None
        )
        or (parts[0] if len(parts) == 1 else None)
    )
    if chosen is None:
        return None
    payload = chosen.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None
