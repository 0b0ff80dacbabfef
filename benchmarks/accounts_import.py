"""Import rate of collection accounts (the CSV path of ``helpdesk import-accounts``).

    .venv/bin/python benchmarks/accounts_import.py [--count 100000] [--backend postgresql]

Writes a CSV of ``count`` accounts (one debtor each, Mexican names, MXN), imports it into
a fresh database, then imports it again (every row unchanged: the idempotent path) and
once more with a tenth of the balances changed. Prints accounts per second for each run.
Target: at least 5,000 accounts/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import migrated_app  # noqa: E402

COLUMNS = [
    "number",
    "creditor",
    "portfolio",
    "balance",
    "currency",
    "days_past_due",
    "status",
    "next_due_date",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_national_id",
]


def write_csv(path: Path, count: int, *, seed: int, changed: float = 0.0) -> None:
    rng = random.Random(seed)  # noqa: S311  (test data)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(count):
            balance = 1500 + (n * 7919) % 95000
            if changed and rng.random() < changed:
                balance += 100
            writer.writerow(
                [
                    f"MX-{n:07d}",
                    "Banco Demo",
                    "Tarjetas",
                    f"{balance}.50",
                    "MXN",
                    (n * 13) % 180,
                    "active",
                    "2026-12-15",
                    f"Deudor Núñez {n}",
                    f"deudor{n}@correo-demo.mx",
                    f"+5255{n:08d}",
                    f"CURP{n:014d}",
                ]
            )


def run_import(app, path: Path) -> dict:
    from helpdesk import clock
    from helpdesk.accounts.cli import _read_csv
    from helpdesk.accounts.parsing import AccountSettings
    from helpdesk.accounts.services import CHUNK, upsert_accounts
    from helpdesk.audit.services import Actor
    from helpdesk.extensions import db

    with app.app_context():
        rows = list(_read_csv(path))
        settings = AccountSettings.from_config(app.config)
        started = time.perf_counter()
        totals = {"created": 0, "updated": 0, "unchanged": 0, "errors": 0}
        for start in range(0, len(rows), CHUNK):
            report = upsert_accounts(
                db.session,
                rows[start : start + CHUNK],
                settings=settings,
                actor=Actor.system("bench"),
                now=clock.now(),
            )
            db.session.commit()
            for key, value in report.as_dict().items():
                totals[key] += value if isinstance(value, int) else len(value)
        elapsed = time.perf_counter() - started
    return {**totals, "seconds": round(elapsed, 2), "per_second": round(len(rows) / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        first, again = tmp / "accounts.csv", tmp / "changed.csv"
        write_csv(first, args.count, seed=1)
        write_csv(again, args.count, seed=2, changed=0.1)
        with migrated_app(args.backend, tmp) as app:
            report = {
                "count": args.count,
                "backend": args.backend,
                "first_import": run_import(app, first),
                "same_file_again": run_import(app, first),
                "a_tenth_changed": run_import(app, again),
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
