"""The agents' inbox at scale: TICKETS tickets (with their SLA clocks, holds and tags, as
``benchmarks/reports.py`` loads them) and three messages each, then the pages agents
open all day, timed in the app through Flask's test client (server time: queries,
Python and the template; no network).

    .venv/bin/python benchmarks/inbox.py [--tickets 1000000] [--runs 20] [--keep]
        [--skip-load --database NAME]

Measured, each once to warm up and then ``--runs`` times (p50 and p95 in ms, and the
number of SQL statements the page ran):

* every view's first page for a supervisor (sees everything) and "Mine" for an agent
  who works one queue (the visibility rule applies);
* a deep keyset page: the page after the ticket 90 % down the "All" list;
* a filtered view: urgent disputes that came by WhatsApp, nearest deadline first;
* the ticket page of random tickets (conversation, clocks, accounts, history);
* the counts request the list page makes once it is shown (every view's capped count
  and the list's own), for the supervisor, the agent and the filtered view.

Statements slower than 20 ms are listed with their count and worst time, so the plans
worth reading (``EXPLAIN ANALYZE``) are named by the run itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import POSTGRES, app_config, database, drop  # noqa: E402
from benchmarks.reports import AGENTS, QUEUES, analyze  # noqa: E402
from benchmarks.reports import load as load_tickets  # noqa: E402

PASSWORD = "banco-de-pruebas-2026"  # noqa: S105  (a throwaway benchmark database)
SUPERVISOR, AGENT = 1, 2  # user ids; agent 2 works queue 2 (agents a % 6 == queue)
MESSAGE_BATCH = 60_000
TEXTS = [
    "Buenos días, no reconozco el cargo que aparece en mi estado de cuenta del mes pasado.",
    "Ya realicé el pago por transferencia el día 3, adjunto el comprobante.",
    "Quisiera un convenio de pago a seis meses, mi situación cambió.",
    "Le confirmamos que recibimos su solicitud; la revisaremos en los plazos de ley.",
    "Me siguen llamando a las diez de la noche, les pido que respeten el horario.",
]
SLOW_MS = 20


def load_messages(session, tickets: int, seed: int) -> int:
    """Three messages a ticket: the debtor's, the agent's reply, and either the debtor's
    answer or an internal note, an hour apart."""
    from sqlalchemy import select

    from helpdesk.bulk import insert_rows
    from helpdesk.tickets.models import Message, Ticket

    rng = random.Random(seed)  # noqa: S311
    made = 0
    for first in range(1, tickets + 1, MESSAGE_BATCH // 3):
        last = min(first + MESSAGE_BATCH // 3, tickets + 1)
        rows = []
        for ticket_id, channel, created, contact_id in session.execute(
            select(Ticket.id, Ticket.channel, Ticket.created_at, Ticket.contact_id).where(
                Ticket.id >= first, Ticket.id < last
            )
        ):
            third = ("in", "note")[rng.random() < 0.3]
            for n, direction in enumerate(("in", "out", third)):
                made += 1
                rows.append(
                    {
                        "id": made,
                        "ticket_id": ticket_id,
                        "direction": direction,
                        "channel": channel,
                        "author_user_id": (ticket_id % AGENTS) + 1 if direction != "in" else None,
                        "author_contact_id": contact_id if direction == "in" else None,
                        "text": rng.choice(TEXTS),
                        "is_automatic": False,
                        "delivery_attempts": 0,
                        "created_at": created + timedelta(hours=n),
                    }
                )
        insert_rows(session, Message.__table__, rows)
        session.commit()
        print(f"  loaded {made:,} messages", file=sys.stderr)
    return made


def prepare_people(session) -> None:
    """A supervisor and an agent who can sign in; every agent in their queue."""
    from sqlalchemy import insert, update

    from helpdesk.users.models import User, user_queues
    from helpdesk.users.passwords import hash_password

    hashed = hash_password(PASSWORD)
    session.execute(
        update(User).where(User.id == SUPERVISOR).values(role="supervisor", password_hash=hashed)
    )
    session.execute(update(User).where(User.id == AGENT).values(password_hash=hashed))
    session.execute(
        insert(user_queues),
        [{"user_id": a + 1, "queue_id": a % len(QUEUES) + 1} for a in range(AGENTS)],
    )
    session.commit()


def deep_cursor(session, fraction: float) -> str:
    from sqlalchemy import func, select

    from helpdesk.inbox.cursor import Cursor
    from helpdesk.inbox.filters import Sort
    from helpdesk.tickets.models import Ticket

    total = session.scalar(select(func.count(Ticket.id)))
    at, ticket_id = session.execute(
        select(Ticket.last_activity_at, Ticket.id)
        .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
        .offset(int(total * fraction))
        .limit(1)
    ).one()
    session.rollback()
    return Cursor(Sort.ACTIVITY, at, ticket_id).encode()


class Statements:
    """Counts the statements a request runs and keeps the slow ones."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        self.slow: dict[str, list[float]] = defaultdict(list)
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args) -> None:
        self.count += 1
        self._started.append(time.perf_counter())

    def _after(self, _conn, _cursor, statement, *_args) -> None:
        elapsed = (time.perf_counter() - self._started.pop()) * 1000
        if elapsed >= SLOW_MS:
            self.slow[" ".join(statement.split())[:300]].append(elapsed)


def sign_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as {email}: {response.status_code}")
    return client


def time_pages(client, statements: Statements, urls: list[str], runs: int) -> dict:
    for url in urls[:1]:
        client.get(url)  # warm-up
    seconds, counts = [], []
    for n in range(runs):
        url = urls[n % len(urls)]
        before = statements.count
        started = time.perf_counter()
        response = client.get(url)
        seconds.append((time.perf_counter() - started) * 1000)
        counts.append(statements.count - before)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    seconds.sort()
    return {
        "p50_ms": round(statistics.median(seconds), 1),
        "p95_ms": round(seconds[max(0, round(0.95 * len(seconds)) - 1)], 1),
        "statements": max(counts),
    }


def measure(app, session, runs: int, seed: int) -> dict:
    from sqlalchemy import select

    from helpdesk.tickets.models import Ticket
    from helpdesk.users.models import User

    rng = random.Random(seed)  # noqa: S311
    statements = Statements(session.get_bind().engine)
    supervisor = sign_in(app, session.get(User, SUPERVISOR).email)
    agent = sign_in(app, session.get(User, AGENT).email)
    deep = deep_cursor(session, 0.9)
    top = session.scalar(select(func_max_id()))
    folios = [
        session.scalar(select(Ticket.folio).where(Ticket.id == rng.randrange(1, top + 1)))
        for _ in range(max(runs, 20))
    ]
    session.rollback()
    pages = {
        "view_all": (supervisor, ["/tickets?view=all"]),
        "view_unassigned": (supervisor, ["/tickets?view=unassigned"]),
        "view_queue": (supervisor, ["/tickets?view=queue&q=1"]),
        "view_at_risk": (supervisor, ["/tickets?view=at_risk"]),
        "view_pending": (supervisor, ["/tickets?view=pending"]),
        "view_on_hold": (supervisor, ["/tickets?view=on_hold"]),
        "view_resolved": (supervisor, ["/tickets?view=resolved"]),
        "agent_mine": (agent, ["/tickets?view=mine"]),
        "agent_all": (agent, ["/tickets?view=all"]),
        "deep_keyset_page": (supervisor, [f"/tickets?view=all&cursor={deep}"]),
        "filtered_view": (
            supervisor,
            ["/tickets?view=all&type=dispute&priority=urgent&channel=whatsapp&sort=deadline"],
        ),
        "ticket_page": (supervisor, [f"/tickets/{folio}" for folio in folios]),
        # The counts come in a second request (htmx) after the page: timed on their own.
        "counts_supervisor": (supervisor, ["/tickets/counts?view=all"]),
        "counts_agent": (agent, ["/tickets/counts?view=mine"]),
        "counts_filtered": (
            supervisor,
            ["/tickets/counts?view=all&type=dispute&priority=urgent&channel=whatsapp"],
        ),
    }
    figures = {}
    for name, (client, urls) in pages.items():
        figures[name] = time_pages(client, statements, urls, runs)
        print(json.dumps({name: figures[name]}), file=sys.stderr)
    figures["slow_statements"] = [
        {"statement": sql, "times": len(ms), "worst_ms": round(max(ms), 1)}
        for sql, ms in sorted(statements.slow.items(), key=lambda kv: -max(kv[1]))[:12]
    ]
    return figures


def func_max_id():
    from sqlalchemy import func

    from helpdesk.tickets.models import Ticket

    return func.max(Ticket.id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--skip-load", action="store_true", help="reuse --database")
    parser.add_argument("--database", help="name of a kept PostgreSQL database")
    args = parser.parse_args()
    if args.skip_load and not args.database:
        parser.error("--skip-load needs --database NAME")
    from flask_migrate import upgrade

    from helpdesk.app import create_app
    from helpdesk.extensions import db

    result: dict = {"tickets": args.tickets, "seed": args.seed}
    with tempfile.TemporaryDirectory() as tmp:
        if args.skip_load:
            url, name = POSTGRES.rsplit("/", 1)[0] + f"/{args.database}", None
        else:
            url, name = database("postgresql", Path(tmp), prefix="aclara_inbox")
        try:
            app = create_app(
                app_config(
                    url,
                    Path(tmp),
                    WTF_CSRF_ENABLED=False,
                    RATELIMIT_ENABLED=False,
                    SEARCH_BACKEND="postgresql",
                )
            )
            with app.app_context():
                if not args.skip_load:
                    upgrade()
                    started = time.perf_counter()
                    result["rows"] = load_tickets(db.session, args.tickets, args.seed)
                    result["rows"]["messages"] = load_messages(db.session, args.tickets, args.seed)
                    prepare_people(db.session)
                    result["load_seconds"] = round(time.perf_counter() - started, 1)
                    started = time.perf_counter()
                    analyze(db.session)
                    result["analyze_seconds"] = round(time.perf_counter() - started, 1)
                result["figures"] = measure(app, db.session, args.runs, args.seed)
                db.session.remove()
                db.engine.dispose()
        finally:
            if args.keep and name:
                print(f"kept database {name}", file=sys.stderr)
                result["database"] = name
            else:
                drop(name)
    result["load_average"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
