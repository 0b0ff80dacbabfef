"""A Cloud API stand-in: a real HTTP server on loopback, in a thread, speaking Meta's shapes.

Send (text, template, media), phone number details, media upload (multipart), media
metadata and download (the bearer token checked on both), Graph error bodies. Tests
script failures with ``fail(route, status, code=…)``; a media URL expires with
``expire_urls()``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "EAAG-test-token"
_ids = itertools.count(1)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Graph:
    """What the server holds and what it was asked."""

    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, dict[str, Any] | None]]] = field(default_factory=dict)
    url_generation: int = 0
    next_wamids: list[str] = field(default_factory=list)  # ids the next sends answer with
    # GET /{version}/{phone_number_id}: what Meta knows of the numbers (connection test)
    phone_numbers: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "109876543210": {
                "verified_name": "Aclara Cobranza",
                "display_phone_number": "+52 55 5000 0000",
                "quality_rating": "GREEN",
            }
        }
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_media(self, data: bytes, mime_type: str) -> str:
        media_id = f"{next(_ids) + 900000}"
        self.media[media_id] = (data, mime_type)
        return media_id

    def fail(self, route: str, status: int, code: int | None = None, times: int = 1) -> None:
        """The next ``times`` calls of ``route`` (send, upload, info, download) fail."""
        body = None
        if code is not None:
            body = {
                "error": {
                    "message": f"(#{code}) Scripted failure",
                    "type": "OAuthException",
                    "code": code,
                    "error_data": {"messaging_product": "whatsapp", "details": f"details {code}"},
                    "fbtrace_id": "Atest",
                }
            }
        self.failures.setdefault(route, []).extend([(status, body)] * times)

    def expire_urls(self) -> None:
        """Every media URL handed out so far now answers 404 (they live five minutes)."""
        self.url_generation += 1

    def sent(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.requests if r.path.endswith("/messages")]

    def _next_failure(self, route: str) -> tuple[int, dict[str, Any] | None] | None:
        with self.lock:
            queue = self.failures.get(route) or []
            return queue.pop(0) if queue else None


class _Handler(BaseHTTPRequestHandler):
    graph: Graph

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> Recorded:
        length = int(self.headers.get("Content-Length") or 0)
        recorded = Recorded(
            self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
        )
        self.graph.requests.append(recorded)
        return recorded

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            return True
        self._answer(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
        return False

    def _scripted(self, route: str) -> bool:
        failure = self.graph._next_failure(route)
        if failure is None:
            return False
        status, body = failure
        self._answer(status, body if body is not None else b"oops", "application/json")
        return True

    def do_POST(self) -> None:
        recorded = self._record()
        if not self._authorised():
            return
        parts = recorded.path.strip("/").split("/")
        if parts[-1] == "messages":
            if not self._scripted("send"):
                payload = recorded.json()
                to = payload.get("to") or payload.get("recipient")
                self._answer(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": to, "wa_id": str(to).lstrip("+")}],
                        "messages": [{"id": self._wamid()}],
                    },
                )
        elif parts[-1] == "media":
            if not self._scripted("upload"):
                assert b'name="messaging_product"' in recorded.body
                media_id = self.graph.add_media(recorded.body, "application/octet-stream")
                self._answer(200, {"id": media_id})
        else:
            self._answer(404, {"error": {"message": "Unknown path", "code": 100}})

    def do_GET(self) -> None:
        recorded = self._record()
        if not self._authorised():
            return
        parts = recorded.path.strip("/").split("/")
        if parts[0] == "download":
            self._download(parts)
        elif len(parts) == 2 and parts[1] in self.graph.media:
            self._info(parts[1])
        elif len(parts) == 2 and parts[1] in self.graph.phone_numbers:
            self._answer(200, {"id": parts[1], **self.graph.phone_numbers[parts[1]]})
        elif len(parts) == 2 and parts[1].isdigit():
            self._answer(404 if int(parts[1]) > 900000 else 200, self._number(parts[1]))
        else:
            self._answer(404, {"error": {"message": "Unknown path", "code": 100}})

    def _wamid(self) -> str:
        with self.graph.lock:
            if self.graph.next_wamids:
                return self.graph.next_wamids.pop(0)
        return f"wamid.OUT{next(_ids):08d}"

    def _number(self, number_id: str) -> dict[str, Any]:
        if int(number_id) > 900000:
            return {"error": {"message": "Unsupported get request", "code": 100}}
        return {"id": number_id, "display_phone_number": "+52 55 5000 0000"}

    def _info(self, media_id: str) -> None:
        if self._scripted("info"):
            return
        data, mime_type = self.graph.media[media_id]
        url = f"{self.graph.base_url}/download/{media_id}/{self.graph.url_generation}"
        self._answer(
            200,
            {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": mime_type,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": len(data),
                "id": media_id,
            },
        )

    def _download(self, parts: list[str]) -> None:
        media_id, generation = parts[1], int(parts[2])
        if generation != self.graph.url_generation:
            self._answer(404, {"error": {"message": "URL expired", "code": 100}})
        elif not self._scripted("download"):
            data, mime_type = self.graph.media[media_id]
            self._answer(200, data, mime_type)


def start() -> tuple[Graph, ThreadingHTTPServer]:
    graph = Graph()
    handler = type("Handler", (_Handler,), {"graph": graph})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    graph.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return graph, server
