"""End-to-end email ingestion speed: parse, thread, route, store (sending and indexing are
left to their jobs), one commit per group of 50 messages as the IMAP poller does.

    .venv/bin/python benchmarks/ingest.py [--count 5000] [--seed 42] [--backend both]

Generates mail with the project's generator, ``python -m tests.mailgen`` (about a third
are replies), ingests it into a fresh database per backend and prints messages per
second, peak memory, and the same files through a bare
``email.message_from_bytes(policy=default)`` for the ratio. Also checks the threading
against the corpus manifest (replies must not open tickets).
"""

from __future__ import annotations

import argparse
import email
import json
import resource
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import migrated_app  # noqa: E402

GROUP = 50  # messages per commit, as one IMAP FETCH group


def generate(count: int, seed: int, out: Path) -> tuple[list[Path], list[dict]]:
    manifest = out / "manifest.jsonl"
    command = [
        sys.executable,
        "-m",
        "tests.mailgen",
        "--count",
        str(count),
        "--seed",
        str(seed),
        "--out",
        str(out / "mail"),
        "--manifest",
        str(manifest),
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)  # noqa: S603  (our generator)
    files = sorted((out / "mail").glob("*.eml"))
    truth = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    return files, truth


def bare_parse_rate(raws: list[bytes]) -> float:
    started = time.perf_counter()
    for raw in raws:
        message = email.message_from_bytes(raw, policy=policy.default)
        for part in message.walk():
            if not part.is_multipart():
                part.get_content()
    return len(raws) / (time.perf_counter() - started)


def ingest_rate(backend: str, raws: list[bytes], tmp: Path) -> dict:
    from sqlalchemy import func, select

    from helpdesk import clock
    from helpdesk.channels.email.ingest import mail_domains
    from helpdesk.channels.email.ingest_group import RawMail, ingest_group
    from helpdesk.channels.email.settings import EmailSettings
    from helpdesk.extensions import db
    from helpdesk.tickets.models import Ticket

    with migrated_app(backend, tmp) as app:
        settings = EmailSettings.from_config(app.config)
        domains = mail_domains(db.session, settings)
        actions: dict[str, int] = {}
        started = time.perf_counter()
        for start in range(0, len(raws), GROUP):
            mails = [
                RawMail(raw, f"bench:{start + n}")
                for n, raw in enumerate(raws[start : start + GROUP])
            ]
            results = ingest_group(
                db.session, mails, settings=settings, our_domains=domains, now=clock.now()
            )
            db.session.commit()
            db.session.expunge_all()  # a poller's session does not keep every object
            for result in results:
                actions[result.action] = actions.get(result.action, 0) + 1
        elapsed = time.perf_counter() - started
        tickets = db.session.scalar(select(func.count(Ticket.id)))
    return {
        "backend": backend,
        "messages": len(raws),
        "seconds": round(elapsed, 2),
        "per_second": round(len(raws) / elapsed, 1),
        "actions": actions,
        "tickets": tickets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        files, truth = generate(args.count, args.seed, tmp)
        raws = [f.read_bytes() for f in files]
        roots = len({t["thread_root"] for t in truth if not t.get("autoreply")})
        report = {
            "count": len(raws),
            "seed": args.seed,
            "threads_in_corpus": roots,
            "bare_parse_per_second": round(bare_parse_rate(raws), 1),
            "runs": [],
        }
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        for backend in backends:
            run = ingest_rate(backend, raws, tmp)
            bare = report["bare_parse_per_second"]
            run["ratio_to_bare_parse"] = round(run["per_second"] / bare, 2)
            report["runs"].append(run)
        report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
