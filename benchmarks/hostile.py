"""What hostile mail costs: the time to take in one message built to be expensive.

    .venv/bin/python benchmarks/hostile.py [--runs 5] [--backend both]

Three inputs, each through the one door (``ingest_raw``) into a fresh database per
backend, and one through the quote folder alone:

* ``addresses``: 5,000 Cc addresses and a 2,000-character subject (both are capped);
* ``nesting``: multipart nested 200 deep (capped with a ``too_deep`` note);
* ``quotes``: 200,000 characters of one line, 20,000 attribution-like lines and 50,000
  quote marks, folded by ``split_quoted`` (no backtracking blow-up).

Prints the median and the slowest of ``--runs`` for each. Target: each under one second.
The tests assert what the caps do (and that 5,000 addresses cost the database what 50
do); how long it takes belongs here, where a slow machine cannot fail the build.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import migrated_app  # noqa: E402

HEAD = (
    b"To: aclaraciones@banco-demo.mx\r\nDate: Fri, 04 Dec 2026 10:00:00 -0600\r\n"
    b"MIME-Version: 1.0\r\n"
)


def many_addresses(run: int) -> bytes:
    cc = ", ".join(f"Persona {i} <persona{i}@correo.mx>" for i in range(5000))
    return (
        f"Message-ID: <muchos-{run}@correo.mx>\r\nFrom: ana@correo.mx\r\n"
        f"Subject: {'x' * 2000}\r\nCc: {cc}\r\n".encode()
        + HEAD
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\nNo reconozco el cargo.\r\n"
    )


def deep_nesting(run: int, depth: int = 200) -> bytes:
    body = b"".join(
        f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n".encode()
        for i in range(depth)
    )
    body += f"--b{depth}\r\nContent-Type: text/plain\r\n\r\nhondo\r\n".encode()
    return (
        f"Message-ID: <hondo-{run}@correo.mx>\r\nFrom: ana@correo.mx\r\nSubject: hondo\r\n".encode()
        + HEAD
        + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
        + body
    )


def quote_text() -> str:
    return "El " + "a" * 200_000 + "\n" + ("El x\n" * 20_000) + ("> " * 50_000)


def timings(runs: int, once: Callable[[int], object]) -> dict:
    seconds = []
    for run in range(runs):
        started = time.perf_counter()
        once(run)
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3)}


def ingest_timings(backend: str, runs: int, tmp: Path) -> dict:
    from helpdesk import clock
    from helpdesk.channels.email.ingest import ingest_raw
    from helpdesk.channels.email.settings import EmailSettings
    from helpdesk.extensions import db

    with migrated_app(backend, tmp) as app:
        settings = EmailSettings.from_config(app.config)

        def take_in(build: Callable[[int], bytes]) -> Callable[[int], object]:
            def once(run: int) -> object:
                result = ingest_raw(
                    db.session, build(run), source="bench", settings=settings, now=clock.now()
                )
                db.session.commit()
                return result

            return once

        return {
            "backend": backend,
            "addresses": timings(runs, take_in(many_addresses)),
            "nesting": timings(runs, take_in(deep_nesting)),
        }


def main() -> None:
    from helpdesk.channels.email.quotes import split_quoted

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    text = quote_text()
    report: dict = {"runs": args.runs, "quotes": timings(args.runs, lambda _: split_quoted(text))}
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as directory:
        report["ingest"] = [ingest_timings(b, args.runs, Path(directory)) for b in backends]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
