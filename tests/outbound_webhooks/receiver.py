"""A collection system stand-in: a real HTTP server on loopback, in a thread.

It records every POST (headers and raw body) and answers what the test scripted:
``script(500, 200)`` answers 500 once and then 200; ``sleep`` delays the answer (to go
past the sender's timeout).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.headers["X-Aclara-Event"]

    def signed_with(self, secret: str) -> bool:
        """What a receiver does: HMAC of ``timestamp.body``, compared in constant time."""
        timestamp = self.headers["X-Aclara-Timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest("sha256=" + expected, self.headers["X-Aclara-Signature"])


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    sleep: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *statuses: int) -> None:
        self.answers.extend(statuses)

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.requests if r.type == event_type]

    def _next_status(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.receiver.requests.append(Received(dict(self.headers.items()), self.rfile.read(length)))
        if self.receiver.sleep:
            time.sleep(self.receiver.sleep)
        status = self.receiver._next_status()
        data = b'{"ok": true}' if status < 300 else b"Internal trouble"
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up (timeout)


def start() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()
    handler = type("Handler", (_Handler,), {"receiver": receiver})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/aclara/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
