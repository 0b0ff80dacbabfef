"""Search at scale: load MESSAGES messages over TICKETS tickets (Spanish collection mail
from tests.mailgen's vocabulary), rebuild the index, then time typical queries.

    .venv/bin/python benchmarks/search.py [--messages 1000000] [--tickets 300000]
        [--engine whoosh|postgresql|both] [--seed 42] [--runs 5]
        [--keep | --load-only] [--skip-load --database NAME] [--skip-rebuild] [--data-dir DIR]

``--keep`` keeps the PostgreSQL database (and ``--data-dir``, where the Whoosh index is),
``--skip-load --database NAME`` reuses one, ``--skip-rebuild`` times the queries on the
index already there.

Rows go in with COPY (PostgreSQL; both engines read the same PostgreSQL database, as a
production install would), the change log is skipped (a rebuild reads every ticket) and
the rebuild is the one ``helpdesk search reindex`` runs. Each query runs ``--runs`` times after
one warm-up; p50/p95 are over all runs of all queries. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import POSTGRES, app_config, database, drop  # noqa: E402
from tests.mailgen import content  # noqa: E402

QUERIES = [
    ("rare word", "zacatecas"),
    ("common word", "cargo"),
    ("phrase", '"cobro duplicado"'),
    ("name", "Verónica Castañeda"),
    ("unaccented name", "veronica castaneda"),
    ("phone", "phone:5512340007"),
    ("account", "account:41-000123"),
    ("filtered", "transferencia type:dispute channel:email"),
    ("three words", "pago convenio mensualidades"),
    ("folio", "ACL-2026-000777"),
    ("unaccented common word", "aclaracion"),
    ("plural, stemmed", "pagos"),
    ("second phrase", '"queja formal"'),
    ("two words", "llamadas domingos"),
    ("excluded word", "cargo -duplicado"),
    ("name and word", "Castañeda queja"),
    ("phone as typed", 'phone:"55 1234 0777"'),
    ("account alone", "41-000555"),
    ("status and word", "transferencia status:open"),
    ("dates and word", "embargar after:2026-06-01 before:2026-07-01 channel:whatsapp"),
]


def load(session, tickets: int, messages: int, seed: int) -> None:
    """Contacts, tickets and messages in bulk, as years of a contact centre leave them."""
    from helpdesk.accounts.models import CollectionAccount
    from helpdesk.bulk import insert_rows
    from helpdesk.contacts.models import Contact, ContactIdentity
    from helpdesk.tickets.models import Message, Ticket, ticket_accounts

    rng = random.Random(seed)  # noqa: S311  (repeatable test data, not secrets)
    start = datetime(2025, 12, 1, tzinfo=UTC)
    step = 365 * 24 * 3600 / tickets
    per_ticket = [1] * tickets
    for _ in range(messages - tickets):
        per_ticket[rng.randrange(tickets)] += 1
    batch = 20_000
    message_id = 0
    for first in range(0, tickets, batch):
        rows = {
            "contacts": [],
            "identities": [],
            "accounts": [],
            "tickets": [],
            "links": [],
            "messages": [],
        }
        for n in range(first, min(first + batch, tickets)):
            ticket_id = n + 1
            person = content.person(rng, n)
            when = start + timedelta(seconds=n * step)
            filled = content.case(rng, person, when)
            subject, paragraph = content.opening(rng, filled)
            if n == 7:  # the rare word, once
                paragraph += " Vivo en Zacatecas."
            rows["contacts"].append(
                {"id": ticket_id, "name": person.name, "language": "es", "created_at": when}
            )
            rows["identities"].append(
                {
                    "id": 2 * ticket_id,
                    "contact_id": ticket_id,
                    "kind": "email",
                    "value": person.address,
                    "is_verified": False,
                    "created_at": when,
                }
            )
            rows["identities"].append(
                {
                    "id": 2 * ticket_id + 1,
                    "contact_id": ticket_id,
                    "kind": "phone",
                    "value": f"+5255{12340000 + n:08d}",
                    "is_verified": False,
                    "created_at": when,
                }
            )
            rows["accounts"].append(
                {
                    "id": ticket_id,
                    "number": f"41-{n:06d}",
                    "creditor": "Banco Demo",
                    "portfolio": "Tarjetas",
                    "contact_id": ticket_id,
                    "balance": 1000,
                    "currency": "MXN",
                    "days_past_due": 30,
                    "created_at": when,
                    "updated_at": when,
                }
            )
            rows["links"].append({"ticket_id": ticket_id, "account_id": ticket_id})
            rows["tickets"].append(
                {
                    "id": ticket_id,
                    "folio": f"ACL-2026-{ticket_id:06d}",
                    "subject": subject,
                    "type": rng.choice(["dispute", "complaint", "payment_plan", "data_rights"]),
                    "status": "open",
                    "priority": "normal",
                    "channel": rng.choice(["email", "email", "whatsapp", "portal"]),
                    "contact_id": ticket_id,
                    "created_at": when,
                    "updated_at": when,
                    "last_activity_at": when,
                }
            )
            for k in range(per_ticket[n]):
                message_id += 1
                text = (
                    content.body(rng, person, paragraph, filled)
                    if k == 0
                    else rng.choice(content.FOLLOW_UPS)
                )
                rows["messages"].append(
                    {
                        "id": message_id,
                        "ticket_id": ticket_id,
                        "direction": "in",
                        "channel": "email",
                        "author_contact_id": ticket_id,
                        "text": text,
                        "is_automatic": False,
                        "created_at": when + timedelta(hours=k),
                    }
                )
        for table, key in (
            (Contact.__table__, "contacts"),
            (ContactIdentity.__table__, "identities"),
            (CollectionAccount.__table__, "accounts"),
            (Ticket.__table__, "tickets"),
            (ticket_accounts, "links"),
            (Message.__table__, "messages"),
        ):
            insert_rows(session, table, rows[key])
        session.commit()
        print(f"  loaded {min(first + batch, tickets):,} tickets", file=sys.stderr)


def measure(session, settings, admin, *, rebuild: bool, repeat: int) -> dict:
    from helpdesk.search import services

    figures: dict = {}
    if rebuild:
        started = time.perf_counter()
        count = services.rebuild(session, settings=settings)
        session.commit()
        seconds = time.perf_counter() - started
        figures = {
            "documents": count,
            "rebuild_seconds": round(seconds, 1),
            "documents_per_second": round(count / seconds),
        }
    timings: dict[str, list[float]] = {}
    for name, text in QUERIES:
        services.search(session, text, viewer=admin, settings=settings)  # warm-up
        runs = []
        for _ in range(repeat):
            begin = time.perf_counter()
            found = services.search(session, text, viewer=admin, settings=settings)
            runs.append((time.perf_counter() - begin) * 1000)
        timings[name] = runs
        assert found.results or found.jump_to, f"no hit for {name}: {text}"
    every = sorted(t for runs in timings.values() for t in runs)
    return figures | {
        "query_ms": {name: round(statistics.median(runs), 1) for name, runs in timings.items()},
        "p50_ms": round(statistics.median(every), 1),
        "p95_ms": round(every[int(len(every) * 0.95) - 1], 1),
    }


def index_size(settings, session) -> int:
    if settings.backend == "postgresql":
        from sqlalchemy import text

        return session.scalar(text("SELECT pg_total_relation_size('search_documents')"))
    return sum(p.stat().st_size for p in (settings.data_dir / "search" / "whoosh").glob("*"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=300_000)
    parser.add_argument("--engine", choices=["whoosh", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--keep", action="store_true", help="keep the database and index")
    parser.add_argument("--skip-load", action="store_true", help="reuse --database")
    parser.add_argument("--skip-rebuild", action="store_true", help="query the index as it is")
    parser.add_argument("--load-only", action="store_true", help="load, keep, measure nothing")
    parser.add_argument("--database", help="the PostgreSQL database of an earlier --keep")
    parser.add_argument("--data-dir", type=Path, help="where the Whoosh index lives")
    args = parser.parse_args()
    if args.skip_load and not args.database:
        parser.error("--skip-load needs --database NAME")
    if args.load_only:
        args.keep, engines = True, []
    from flask_migrate import upgrade

    from helpdesk.app import create_app
    from helpdesk.extensions import db
    from helpdesk.search import tracking
    from helpdesk.search.services import SearchSettings
    from helpdesk.users.models import Role, User

    if not args.load_only:
        engines = ["whoosh", "postgresql"] if args.engine == "both" else [args.engine]
    report = {"messages": args.messages, "tickets": args.tickets, "seed": args.seed, "engines": {}}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        if args.skip_load:
            url, name = POSTGRES.rsplit("/", 1)[0] + f"/{args.database}", None
        else:
            url, name = database("postgresql", Path(tmp), prefix="aclara_search")
        try:
            app = create_app(app_config(url, Path(tmp), DATA_DIR=str(data_dir)))
            with app.app_context():
                upgrade()
                tracking.mark = lambda *a, **k: None  # a rebuild reads every ticket anyway
                if not args.skip_load:
                    started = time.perf_counter()
                    load(db.session, args.tickets, args.messages, args.seed)
                    report["load_seconds"] = round(time.perf_counter() - started, 1)
                admin = User(id=0, role=Role.ADMIN.value, name="bench", email="b@x")
                for engine in engines:
                    settings = SearchSettings(data_dir=data_dir, phone_region="MX", backend=engine)
                    figures = measure(
                        db.session,
                        settings,
                        admin,
                        rebuild=not args.skip_rebuild,
                        repeat=args.runs,
                    )
                    figures["index_mib"] = round(index_size(settings, db.session) / 2**20, 1)
                    report["engines"][engine] = figures
                    print(json.dumps({engine: figures}), file=sys.stderr)
                db.session.remove()
                db.engine.dispose()
        finally:
            if args.keep and name:
                print(f"kept database {name}", file=sys.stderr)
            else:
                drop(name)
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
