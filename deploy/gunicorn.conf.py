"""gunicorn settings for Aclara: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be changed from the environment without editing this file
(``GUNICORN_BIND``, ``GUNICORN_WORKERS``, ``GUNICORN_THREADS``, ``GUNICORN_TIMEOUT``).
"""

import json
import multiprocessing
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two processes per core plus one: the classic figure for I/O-bound Flask apps.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads let one worker serve a slow phone upload and a fast inbox click at once.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Attachments and PDF reports can take a while; a stuck request is killed after this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200
# Only nginx on this host may set X-Forwarded-Proto (HELPDESK_PROXY_HOPS trusts it in the app).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"


class JsonAccessLogger(Logger):
    """One JSON object per request: what log collectors parse without a grok pattern.

    The path is logged without its query string, which may carry a debtor's email or phone.
    """

    def access(self, resp, req, environ, request_time):  # gunicorn's signature
        if not self.access_log:
            return
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": environ.get("HTTP_X_REQUEST_ID", ""),
            "remote": environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR", "")),
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "status": resp.status_code if hasattr(resp, "status_code") else resp.status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
        }
        self.access_log.info(json.dumps(record, ensure_ascii=False))


logger_class = JsonAccessLogger
