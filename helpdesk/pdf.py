"""PDF documents from HTML, with WeasyPrint: the acuse de recibo and the SLA report.

WeasyPrint would otherwise fetch whatever a document names (``file:`` anywhere on the
disk, any web address). The fetcher here serves only our own ``static/`` folder and
``data:`` URLs, so a debtor's text that slipped into a document cannot make the server
read a local file or call the network; anything else is skipped and logged.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from helpdesk.paths import resource_root

log = logging.getLogger(__name__)


class PdfError(Exception):
    """The document could not be rendered (the message says why)."""


class StaticOnlyFetcher(URLFetcher):
    """Serves ``data:`` URLs and files under ``static/``; refuses everything else."""

    def __init__(self, static_dir: Path) -> None:
        super().__init__(allowed_protocols=("file", "data"), timeout=2)
        self.static_dir = static_dir.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if parts.scheme != "file":
            log.warning("pdf: refused to fetch %s", parts.scheme or "a relative address")
            raise ValueError(f"only static files may be fetched, not {parts.scheme}:")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            log.warning("pdf: refused a file outside static/")
            raise ValueError("only files under static/ may be fetched")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind}, 200)


def static_dir() -> Path:
    return resource_root() / "static"


def render_pdf(html: str) -> bytes:
    """The PDF of ``html``; relative addresses resolve inside ``static/``."""
    folder = static_dir()
    try:
        fetcher = StaticOnlyFetcher(folder)
        document = HTML(string=html, base_url=folder.as_uri() + "/", url_fetcher=fetcher)
        return document.write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; callers need one
        raise PdfError(f"{type(exc).__name__}: {exc}") from exc
