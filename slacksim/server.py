"""The simulator's HTTP server: a threaded stdlib server on 127.0.0.1, free port.

Rules kept:
- ``GET|POST /api/<method>`` goes to the Web API gateway, ``POST /response/<id>`` to the
  response URL endpoint, ``POST /upload/v1/<key>`` to the upload URL endpoint, anything
  else is 404;
- each request is served on its own daemon thread; a listen backlog of 128 lets bursts
  of concurrent bot calls queue instead of being reset;
- in-flight requests and the time of the last one are tracked on the workspace, so
  ``settle()`` can tell when the bot has gone quiet;
- a bug in the simulator itself never drops the connection: the request is answered
  500 ``{"ok": false, "error": "fatal_error"}`` and the traceback is kept in
  ``Workspace.server_errors`` for the test to see;
- the server writes no access log.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slacksim.answers import HttpAnswer
from slacksim.state import Workspace

Router = Callable[[str, str, str, Mapping[str, str], bytes], HttpAnswer]


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, router: Router, workspace: Workspace) -> None:
        super().__init__((host, port), _Handler)
        self.router = router
        self.workspace = workspace
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (if started) and release the socket; safe to call twice."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: SimulatorServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default access log."""

    def _serve(self) -> None:
        workspace = self.server.workspace
        with workspace.lock:
            workspace.in_flight += 1
            workspace.last_activity = time.monotonic()
        try:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                answer = self.server.router(self.command, path, query, headers, body)
            except Exception:
                with workspace.lock:
                    workspace.server_errors.append(traceback.format_exc())
                answer = HttpAnswer.json(500, {"ok": False, "error": "fatal_error"})
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        finally:
            with workspace.lock:
                workspace.in_flight -= 1
                workspace.last_activity = time.monotonic()
