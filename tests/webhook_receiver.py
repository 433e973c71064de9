"""A webhook receiver the tests start on a free local port: it keeps what it is sent.

It answers with the statuses it is given, in order (then 200), optionally after a pause, so a
test can make a destination fail, time out or be slow. Real HTTP: the dashboard posts to it
exactly as it would post to Slack or a team's webhook.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class Receiver:
    port: int = 0
    statuses: list[int] = field(default_factory=list)
    pause: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, event: str | None = None) -> list[Any]:
        with self.lock:
            found = [r.body for r in self.received]
        if event is None:
            return found
        return [b for b in found if isinstance(b, dict) and b.get("event") == event]

    def bodies_at(self, event: str) -> list[float]:
        """When each message of this event arrived (seconds since the epoch)."""
        with self.lock:
            found = [r for r in self.received if isinstance(r.body, dict)]
        return [r.at for r in found if r.body.get("event") == event]

    def answer(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers), body, time.time()))
            if receiver.pause:
                time.sleep(receiver.pause)
            status = receiver.answer()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"no_service")

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running(**options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
