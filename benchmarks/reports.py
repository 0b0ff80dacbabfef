"""SLA reports at scale: TICKETS tickets over twelve months with their SLA clocks, holds,
outcomes, complaint causes and skipped reminders, then the report as managers ask for it.

    .venv/bin/python benchmarks/reports.py [--tickets 1000000] [--seed 42]
        [--backend postgresql|sqlite] [--runs 3] [--keep] [--skip-load]
        [--csv-period month|year] [--csv-only]

Rows go straight into the tables in batches (``helpdesk.bulk.insert_rows``: COPY on
PostgreSQL, executemany on SQLite), no ORM objects, then ``ANALYZE``. Measured in the app
with a request context (the labels are translated), at a fixed ``now``:

* ``build_report`` for the last full month and for twelve months, for everything and
  for one queue;
* the ticket CSV of the month's opened tickets (``export.ticket_file``: written by
  PostgreSQL with COPY, by ``export.ticket_csv`` on SQLite; into a sink that only counts
  bytes), rows/s and the growth of
  the process's resident memory while streaming, sampled every 10,000 rows
  (``--csv-period year``: the twelve months' tickets instead, enough rows for a steady
  rate on a small load; ``--csv-only``: nothing else);
* the PDF of the month (``build_report`` + ``render_report_pdf``).

Each is run once to warm up, then ``--runs`` times; p50 and max are printed as JSON.
``--keep`` leaves the PostgreSQL database (its name is printed) and ``--skip-load
--database NAME`` measures it again without loading.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import POSTGRES, app_config, database, drop  # noqa: E402

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
FIRST = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)  # midnight in Mexico City
ZONE = "America/Mexico_City"
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
YEAR = (date(2025, 12, 1), date(2026, 11, 30))
QUEUES = ["Disputas", "Quejas", "Convenios", "Aclaraciones", "Datos personales", "General"]
AGENTS = 40
CREDITORS = ["Banco Demo", "Financiera Norte", "Telecom MX", "Crédito Fácil"]
PORTFOLIOS = ["Tarjetas", "Préstamos", "Telefonía"]
# (type, weight, queue index, resolution budget in hours)
TYPES = [
    ("dispute", 22, 0, 240),
    ("complaint", 10, 1, 120),
    ("payment_plan", 25, 2, 72),
    ("information", 15, 5, 48),
    ("wrong_amount", 8, 3, 120),
    ("already_paid", 8, 3, 120),
    ("data_rights", 4, 4, 480),
    ("not_my_debt", 5, 0, 240),
    ("stop_contact", 3, 5, 48),
]
CHANNELS = (["email", "whatsapp", "portal", "webform", "phone"], [40, 35, 10, 5, 10])
PRIORITIES = (["low", "normal", "high", "urgent"], [10, 70, 15, 5])
CAUSES = ["trato", "cobro_indebido", "horario", "terceros", "privacidad", "amenazas"]
OUTCOME_NAMES = (["favourable", "unfavourable", "partial"], [45, 35, 20])
SUBJECTS = [
    "No reconozco este cargo",
    "Quiero un convenio de pago",
    "Me llaman a deshoras",
    "Ya pagué y siguen cobrando",
    "Solicito mis datos",
    "El saldo no es correcto",
    "Dejen de contactarme",
    "Información de mi cuenta",
]
BATCH = 20_000


def load(session, tickets: int, seed: int) -> dict[str, int]:
    """Everything the report reads, as a year of a contact centre leaves it."""
    from helpdesk.accounts.models import CollectionAccount
    from helpdesk.bulk import insert_rows
    from helpdesk.contacts.models import Contact
    from helpdesk.holds.models import Hold, TicketOutcome
    from helpdesk.queues.models import Queue
    from helpdesk.reminders.models import ReminderDispatch, ReminderSchedule, ReminderStep
    from helpdesk.routing.models import ticket_tags
    from helpdesk.sla.models import TicketDeadline
    from helpdesk.tickets.models import Ticket, ticket_accounts
    from helpdesk.users.models import User

    rng = random.Random(seed)  # noqa: S311  (repeatable test data, not secrets)
    report_triggers(session, enabled=False)
    insert_rows(
        session,
        Queue.__table__,
        [
            {"id": i + 1, "name": name, "slug": f"q{i + 1}", "created_at": FIRST}
            for i, name in enumerate(QUEUES)
        ],
    )
    insert_rows(
        session,
        User.__table__,
        [
            {
                "id": i + 1,
                "email": f"agente{i + 1}@example.com",
                "name": f"Agente {i + 1:02d}",
                "password_hash": "x",
                "session_token": f"t{i}",
                "created_at": FIRST,
            }
            for i in range(AGENTS)
        ],
    )
    insert_rows(
        session,
        ReminderSchedule.__table__,
        [
            {
                "id": 1,
                "creditor": CREDITORS[0],
                "name": "Recordatorios",
                "created_at": FIRST,
                "updated_at": FIRST,
            }
        ],
    )
    insert_rows(
        session,
        ReminderStep.__table__,
        [{"id": 1, "schedule_id": 1, "offset_days": -3, "channel": "whatsapp"}],
    )
    # Agent a works in queue a % 6: about seven agents a queue.
    agents_of = {q: [a + 1 for a in range(AGENTS) if a % len(QUEUES) == q] for q in range(6)}
    contacts = max(tickets * 2 // 5, 1)
    for first in range(0, contacts, BATCH):
        people, accounts = [], []
        for c in range(first + 1, min(first + BATCH, contacts) + 1):
            people.append({"id": c, "name": f"Deudor {c}", "language": "es", "created_at": FIRST})
            accounts.append(
                {
                    "id": c,
                    "number": f"41-{c:08d}",
                    "creditor": CREDITORS[c % len(CREDITORS)],
                    "portfolio": PORTFOLIOS[c % len(PORTFOLIOS)],
                    "contact_id": c,
                    "balance": 1000 + c % 50_000,
                    "currency": "MXN",
                    "days_past_due": c % 180,
                    "created_at": FIRST,
                    "updated_at": FIRST,
                }
            )
        insert_rows(session, Contact.__table__, people)
        insert_rows(session, CollectionAccount.__table__, accounts)
    session.commit()

    kinds, weights = [t[0] for t in TYPES], [t[1] for t in TYPES]
    by_kind = {t[0]: t for t in TYPES}
    span = (NOW - FIRST).total_seconds()
    step = span / tickets
    counts = dict.fromkeys(
        ("tickets", "deadlines", "holds", "outcomes", "tags", "reminders_skipped"), 0
    )
    hold_id = dispatch_id = 0
    dispatched: set[tuple[int, date]] = set()
    for first in range(0, tickets, BATCH):
        rows: dict[str, list[dict]] = {
            k: [] for k in ("tickets", "deadlines", "links", "holds", "outcomes", "tags", "sent")
        }
        size = min(first + BATCH, tickets) - first
        kind_of = rng.choices(kinds, weights, k=size)
        channel_of = rng.choices(*CHANNELS, k=size)
        priority_of = rng.choices(*PRIORITIES, k=size)
        for i in range(size):
            n = first + i
            ticket_id = n + 1
            kind = kind_of[i]
            _, _, queue, budget_hours = by_kind[kind]
            if rng.random() < 0.1:
                queue = rng.randrange(len(QUEUES))
            assignee = rng.choice(agents_of[queue]) if rng.random() < 0.95 else None
            created = FIRST + timedelta(seconds=n * step + rng.random() * step)
            contact = rng.randrange(contacts) + 1
            # First response: mostly within the 4 h target, a long tail beyond it.
            response_minutes = rng.expovariate(1 / 110)
            responded = created + timedelta(minutes=response_minutes)
            if responded > NOW:
                responded = None
            # Resolution: within the type's budget four times in five.
            resolve_hours = rng.expovariate(1 / (budget_hours * 0.55))
            resolved = created + timedelta(hours=resolve_hours)
            if resolved > NOW or rng.random() < 0.03:  # a few are abandoned open
                resolved = None
            closed = resolved + timedelta(days=3) if resolved is not None else None
            if closed is not None and closed > NOW:
                closed = None
            if closed is not None:
                status = "closed"
            elif resolved is not None:
                status = "resolved"
            else:
                status = rng.choice(["open", "open", "pending", "on_hold"])
            last = closed or resolved or responded or created
            rows["tickets"].append(
                {
                    "id": ticket_id,
                    "folio": f"ACL-{created.year}-{ticket_id:07d}",
                    "subject": SUBJECTS[n % len(SUBJECTS)],
                    "type": kind,
                    "status": status,
                    "priority": priority_of[i],
                    "channel": channel_of[i],
                    "queue_id": queue + 1,
                    "assignee_id": assignee,
                    "contact_id": contact,
                    "created_at": created,
                    "updated_at": last,
                    "last_activity_at": last,
                    "first_response_at": responded,
                    "resolved_at": resolved,
                    "closed_at": closed,
                }
            )
            rows["links"].append({"ticket_id": ticket_id, "account_id": contact})
            for target, budget, met, used in (
                ("first_response", timedelta(hours=4), responded, response_minutes),
                ("resolution", timedelta(hours=budget_hours), resolved, resolve_hours * 60),
            ):
                due = created + budget
                late = (met is not None and met > due) or (met is None and due <= NOW)
                rows["deadlines"].append(
                    {
                        "id": 2 * n + (1 if target == "first_response" else 2),
                        "ticket_id": ticket_id,
                        "target": target,
                        "policy_id": None,
                        "started_at": created,
                        "due_at": due,
                        "warn_at": created + budget * 0.8,
                        "met_at": met,
                        "breached_at": due if late else None,
                        "used_minutes": round(used, 1) if met is not None else None,
                        "breach_assignee_id": assignee if late else None,
                        "updated_at": met or (due if late else created),
                    }
                )
            if kind == "dispute":
                hold_id += 1
                rows["holds"].append(
                    {
                        "id": hold_id,
                        "account_id": contact,
                        "ticket_id": ticket_id,
                        "ticket_type": kind,
                        "channel": None,
                        "opened_at": created,
                        "closed_at": resolved,
                        "outcome": None,
                        "resume_at": resolved + timedelta(days=5) if resolved else None,
                    }
                )
                reminder = (created + timedelta(days=2)).date()
                if (contact, reminder) not in dispatched and reminder < NOW.date():
                    dispatched.add((contact, reminder))
                    dispatch_id += 1
                    at = datetime.combine(reminder, datetime.min.time(), UTC)
                    rows["sent"].append(
                        {
                            "id": dispatch_id,
                            "account_id": contact,
                            "step_id": 1,
                            "due_date": reminder,
                            "channel": "whatsapp",
                            "status": "skipped",
                            "reason": "hold",
                            "at": at + timedelta(hours=15),
                        }
                    )
                if resolved is not None:
                    outcome = rng.choices(*OUTCOME_NAMES)[0]
                    rows["holds"][-1]["outcome"] = outcome
                    rows["outcomes"].append(
                        {
                            "ticket_id": ticket_id,
                            "outcome": outcome,
                            "closes_account": False,
                            "recorded_at": resolved,
                        }
                    )
            elif kind == "complaint" and rng.random() < 0.9:
                rows["tags"].append({"ticket_id": ticket_id, "tag": rng.choice(CAUSES)})
        for table, key in (
            (Ticket.__table__, "tickets"),
            (ticket_accounts, "links"),
            (TicketDeadline.__table__, "deadlines"),
            (Hold.__table__, "holds"),
            (TicketOutcome.__table__, "outcomes"),
            (ticket_tags, "tags"),
            (ReminderDispatch.__table__, "sent"),
        ):
            insert_rows(session, table, rows[key])
        session.commit()
        for key, name in (
            ("tickets", "tickets"),
            ("deadlines", "deadlines"),
            ("holds", "holds"),
            ("outcomes", "outcomes"),
            ("tags", "tags"),
            ("sent", "reminders_skipped"),
        ):
            counts[name] += len(rows[key])
        print(f"  loaded {first + size:,} tickets", file=sys.stderr)
    counts["contacts"] = contacts
    report_triggers(session, enabled=True)
    return counts


# The tables whose triggers keep report_tickets (migration 0029).
REPORT_TRIGGER_TABLES = ("tickets", "ticket_deadlines")


def report_triggers(session, *, enabled: bool) -> None:
    """PostgreSQL: off during the load (a trigger call per COPY row), then on and
    ``report_tickets`` refilled in one INSERT … SELECT, as the migration fills it. SQLite
    keeps them on (they cannot be switched off)."""
    from sqlalchemy import text

    from helpdesk.reports.services import refill_report_tickets

    if session.get_bind().dialect.name != "postgresql":
        return
    action = "ENABLE" if enabled else "DISABLE"
    for table in REPORT_TRIGGER_TABLES:  # USER: not the foreign keys' own triggers
        session.execute(text(f"ALTER TABLE {table} {action} TRIGGER USER"))
    if enabled:
        refill_report_tickets(session)
    session.commit()


def analyze(session) -> None:
    """Statistics (and the visibility map, as autovacuum would leave it) after the load."""
    from sqlalchemy import text

    session.commit()
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()
        return
    import psycopg

    url = bind.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(function, runs: int) -> tuple[dict[str, float], object]:
    result = function()  # warm-up
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return {
        "p50_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
    }, result


def measure(app, session, runs: int, *, csv_period: str = "month", csv_only: bool = False) -> dict:
    from helpdesk.reports.document import render_report_pdf
    from helpdesk.reports.export import ticket_file
    from helpdesk.reports.queries import build_report
    from helpdesk.reports.scope import EVERYTHING, Filters, Period

    month, year = Period(*MONTH, ZONE), Period(*YEAR, ZONE)
    one_queue = Filters(queue_ids=(1,))
    figures: dict[str, dict] = {}
    dashboards = (
        ()
        if csv_only
        else (
            ("dashboard_month", month, Filters()),
            ("dashboard_month_one_queue", month, one_queue),
            ("dashboard_12_months", year, Filters()),
            ("dashboard_12_months_one_queue", year, one_queue),
        )
    )
    for name, period, filters in dashboards:
        timing, report = timed(
            lambda p=period, f=filters: build_report(session, p, f, EVERYTHING, now=NOW), runs
        )
        session.rollback()
        timing["opened"] = report.opened
        timing["breaches"] = report.breach_count
        figures[name] = timing
        print(json.dumps({name: timing}), file=sys.stderr)

    csv_of = month if csv_period == "month" else year

    def csv_once() -> tuple[int, int, float]:
        chunks = ticket_file(session, csv_of, Filters(), EVERYTHING, metric="opened", now=NOW)
        size = count = 0
        start = peak = rss_mib()
        for chunk in chunks:
            size += len(chunk)
            count += chunk.count("\n")
            if count % 10_000 < 600:
                peak = max(peak, rss_mib())
        session.rollback()
        return count - 1, size, round(max(peak, rss_mib()) - start, 1)

    timing, (count, size, growth) = timed(csv_once, runs)
    timing.update(
        rows=count,
        mib=round(size / 2**20, 1),
        rows_per_second=round(count / timing["p50_s"]),
        rss_growth_mib=growth,
    )
    figures[f"csv_{csv_period}"] = timing
    print(json.dumps({f"csv_{csv_period}": timing}), file=sys.stderr)
    if csv_only:
        return figures

    def pdf_once() -> bytes:
        report = build_report(session, month, Filters(), EVERYTHING, now=NOW)
        session.rollback()
        return render_report_pdf(report, filter_names=[], organisation="Aclara Bench")

    timing, pdf = timed(pdf_once, runs)
    timing["bytes"] = len(pdf)
    figures["pdf_month"] = timing
    report = build_report(session, month, Filters(), EVERYTHING, now=NOW)
    session.rollback()
    timing, _ = timed(
        lambda: render_report_pdf(report, filter_names=[], organisation="Aclara Bench"), runs
    )
    figures["pdf_month_render_only"] = timing
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--skip-load", action="store_true", help="reuse --database")
    parser.add_argument("--database", help="name of a kept PostgreSQL database")
    parser.add_argument(
        "--csv-period",
        choices=["month", "year"],
        default="month",
        help="the ticket CSV of the month, or of twelve months (more rows, a steadier rate)",
    )
    parser.add_argument("--csv-only", action="store_true", help="measure the ticket CSV alone")
    args = parser.parse_args()
    if args.skip_load and not (args.database and args.backend == "postgresql"):
        parser.error("--skip-load needs --database NAME (PostgreSQL)")
    from flask_migrate import upgrade

    from helpdesk.app import create_app
    from helpdesk.extensions import db

    result: dict = {"tickets": args.tickets, "seed": args.seed, "backend": args.backend}
    if os.environ.get("PGOPTIONS"):  # e.g. "-c random_page_cost=1.1": say what was tuned
        result["pgoptions"] = os.environ["PGOPTIONS"]
    with tempfile.TemporaryDirectory() as tmp:
        if args.skip_load:
            url, name = POSTGRES.rsplit("/", 1)[0] + f"/{args.database}", None
        else:
            url, name = database(args.backend, Path(tmp), prefix="aclara_reports")
        try:
            app = create_app(app_config(url, Path(tmp)))
            with app.app_context(), app.test_request_context():
                if not args.skip_load:
                    upgrade()
                    started = time.perf_counter()
                    result["rows"] = load(db.session, args.tickets, args.seed)
                    result["load_seconds"] = round(time.perf_counter() - started, 1)
                    started = time.perf_counter()
                    analyze(db.session)
                    result["analyze_seconds"] = round(time.perf_counter() - started, 1)
                result["figures"] = measure(
                    app, db.session, args.runs, csv_period=args.csv_period, csv_only=args.csv_only
                )
                db.session.remove()
                db.engine.dispose()
        finally:
            if args.keep and name:
                print(f"kept database {name}", file=sys.stderr)
                result["database"] = name
            else:
                drop(name)
    result["load_average"] = [round(v, 2) for v in os.getloadavg()]
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
