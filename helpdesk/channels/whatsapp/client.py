"""The one WhatsApp Cloud API client: replies, templates (also for the reminders
dispatcher), media upload and download. Plain ``urllib``; every call carries the bearer
token, and every error comes back as a ``GraphError`` with Meta's code and title.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# Codes that are worth trying again later (rate limits, Meta's own trouble).
RATE_LIMITED = {130429, 131056, 80007, 4, 613}
TEMPORARY = {1, 2, 131000, 131016, 133004} | RATE_LIMITED
OUTSIDE_WINDOW = 131047


class GraphError(Exception):
    """What the Graph API (or the way to it) said went wrong."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        title: str = "",
        details: str = "",
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.title, self.details, self.http_status = code, title, details, http_status

    @property
    def is_temporary(self) -> bool:
        if self.code == OUTSIDE_WINDOW:
            return False
        if self.code in TEMPORARY:
            return True
        return self.http_status is None or self.http_status >= 500 or self.http_status == 429

    def describe(self) -> str:
        """``131047 Re-engagement message: more than 24 hours…`` for people and logs."""
        parts = [str(self.code) if self.code is not None else "", self.title or str(self)]
        text = " ".join(p for p in parts if p)
        return f"{text}: {self.details}" if self.details else text


@dataclass(frozen=True)
class MediaInfo:
    url: str
    mime_type: str
    sha256: str | None
    file_size: int | None


@dataclass(frozen=True)
class Recipient:
    """A phone in E.164 or, for people who hide it, their business-scoped user id."""

    phone: str | None = None
    user_id: str | None = None

    def fields(self) -> dict[str, str]:
        if self.phone:
            return {"to": self.phone if self.phone.startswith("+") else f"+{self.phone}"}
        if self.user_id:
            return {"recipient": self.user_id}
        raise GraphError("the contact has neither a phone number nor a WhatsApp user id")


class WhatsAppClient:
    def __init__(
        self,
        *,
        graph_url: str,
        api_version: str,
        phone_number_id: str,
        token: str,
        timeout: float = 20.0,
    ) -> None:
        self.base = f"{graph_url.rstrip('/')}/{api_version.strip('/')}"
        self.phone_number_id = phone_number_id
        self._token = token
        self.timeout = timeout

    # --- Sending ----------------------------------------------------------------------

    def send_text(self, to: Recipient, body: str, *, reply_to: str | None = None) -> str:
        payload: dict[str, Any] = {"type": "text", "text": {"preview_url": False, "body": body}}
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        return self._send(to, payload)

    def send_template(
        self,
        to: Recipient,
        name: str,
        language: str,
        parameters: Sequence[str] = (),
        *,
        components: list[dict[str, Any]] | None = None,
    ) -> str:
        """A template message: body parameters in order, or explicit ``components``."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components is None and parameters:
            components = [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": str(p)} for p in parameters],
                }
            ]
        if components:
            template["components"] = components
        return self._send(to, {"type": "template", "template": template})

    def send_interactive(self, to: Recipient, interactive: dict[str, Any]) -> str:
        """A list or reply-buttons message (only inside the 24-hour window)."""
        return self._send(to, {"type": "interactive", "interactive": interactive})

    def send_media(
        self,
        to: Recipient,
        kind: str,
        media_id: str,
        *,
        caption: str | None = None,
        filename: str | None = None,
    ) -> str:
        media: dict[str, Any] = {"id": media_id}
        if caption and kind in ("image", "video", "document"):
            media["caption"] = caption
        if filename and kind == "document":
            media["filename"] = filename
        return self._send(to, {"type": kind, kind: media})

    def _send(self, to: Recipient, payload: dict[str, Any]) -> str:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual"}
        body.update(to.fields())
        body.update(payload)
        answer = self._json("POST", f"{self.base}/{self.phone_number_id}/messages", body)
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise GraphError("the send answer carried no message id", http_status=200) from None

    # --- Media ------------------------------------------------------------------------

    def upload_media(self, data: bytes, mime_type: str, filename: str) -> str:
        boundary = secrets.token_hex(16)
        body = _multipart(
            boundary,
            {"messaging_product": "whatsapp", "type": mime_type},
            ("file", filename, mime_type, data),
        )
        answer = self._request(
            "POST",
            f"{self.base}/{self.phone_number_id}/media",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        return str(_decode(answer).get("id") or "")

    def media_info(self, media_id: str) -> MediaInfo:
        answer = self._json("GET", f"{self.base}/{media_id}")
        size = answer.get("file_size")
        return MediaInfo(
            url=str(answer.get("url") or ""),
            mime_type=str(answer.get("mime_type") or ""),
            sha256=answer.get("sha256"),
            file_size=int(size) if size is not None else None,
        )

    def download(self, url: str, *, max_bytes: int) -> bytes:
        """The file behind a media URL (bearer token too); GraphError if over ``max_bytes``."""
        request = self._build("GET", url, None, None)
        with self._open(request) as response:
            data = response.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise GraphError("too_large", title="too_large", http_status=200)
        return data

    def phone_number(self) -> dict[str, Any]:
        """What the Graph API knows of this number (to test the credentials)."""
        return self._json("GET", f"{self.base}/{self.phone_number_id}")

    # --- HTTP -------------------------------------------------------------------------

    def _json(self, method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        return _decode(self._request(method, url, data, content_type="application/json"))

    def _request(self, method: str, url: str, data: bytes | None, *, content_type: str) -> bytes:
        request = self._build(method, url, data, content_type if data is not None else None)
        with self._open(request) as response:
            return response.read()

    def _build(
        self, method: str, url: str, data: bytes | None, content_type: str | None
    ) -> urllib.request.Request:
        if not url.startswith(("https://", "http://")):
            raise GraphError(f"refusing a non-HTTP URL: {url[:60]}")
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self._token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        return request

    def _open(self, request: urllib.request.Request) -> Any:
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310
        except urllib.error.HTTPError as error:
            raise _graph_error(error) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise GraphError(f"cannot reach the Graph API: {error}") from None


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        raise GraphError("the Graph API answered something that is not JSON") from None
    return value if isinstance(value, dict) else {}


def _graph_error(error: urllib.error.HTTPError) -> GraphError:
    try:
        body = json.loads(error.read() or b"{}").get("error") or {}
    except (ValueError, AttributeError):
        body = {}
    data = body.get("error_data") or {}
    return GraphError(
        str(body.get("message") or f"HTTP {error.code}"),
        code=body.get("code"),
        title=str(body.get("error_user_title") or body.get("title") or body.get("message") or ""),
        details=str(data.get("details") or "") if isinstance(data, dict) else "",
        http_status=error.code,
    )


def _multipart(boundary: str, fields: dict[str, str], file: tuple[str, str, str, bytes]) -> bytes:
    lines: list[bytes] = []
    for name, value in fields.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value.encode(),
        ]
    field, filename, mime_type, data = file
    safe_name = filename.replace('"', "_").replace("\r", "").replace("\n", "")
    lines += [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="{field}"; filename="{safe_name}"'.encode(),
        f"Content-Type: {mime_type}".encode(),
        b"",
        data,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines)
