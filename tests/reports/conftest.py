"""A small month of work whose every figure was worked out by hand (test_figures.py).

November 2026 in Mexico City. Queue "Disputas" works on the Mexico City calendar
(Mon–Fri 09:00–18:00, Sat 09:00–14:00, Mexican holidays: Monday 16 November is the
Revolution Day holiday); queue "Colombia" on Bogotá's (Mon–Fri 08:00–17:00, UTC−5).
Both targets: first response 120 business minutes, resolution 600.

* T1 opens Friday 13th 17:00 and is answered Tuesday 17th 09:30, across the weekend and
  the holiday: 60 + 30 = 90 business minutes, met. Resolved Wednesday 18th 11:00: 60 +
  540 + 120 = 720 minutes against 600, breached while Ana held it.
* T2 opens Monday 9th 10:00, answered 10:30 (30 min), waits on the debtor from 11:00 to
  Tuesday 10th 09:00 (paused), is resolved 10:00, reopened by the debtor Wednesday 11th
  10:00 and resolved again 12:00: resolution took 60 + 60 + 120 = 240 minutes, met.
* T3 opens in Bogotá Thursday 19th 09:00 (08:00 in Mexico City, before Mexico City opens)
  and is answered 10:00 Bogotá time: 60 minutes on its own calendar, met. Never resolved:
  its resolution (due Friday 20th 09:00 Bogotá) is breached by Monday 23rd, held by Beto.
* T4, a dispute on account MX-PAUSADA of Financiera Sur, opens Monday 23rd 09:30; the
  report's "now" is 10:00: both clocks still running, its hold open half an hour.
* T5, a dispute on account MX-DISPUTA of Banco Demo, opens Tuesday 3rd 10:00 (a hold
  pauses collection), is answered 10:15 and resolved favourable Thursday 5th 10:00; the
  hold closes with three days' grace: collection paused 2 + 3 = 5 days. The reminder due
  on the 4th was skipped because of the hold.
* T6, a complaint tagged "trato", opens Friday 20th 12:00, no policy in its queue.
* T7 opened 2 October in Disputas and is still open: backlog 30+ days. It is outside the
  period, so its clocks are not counted in November's compliance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.holds import services as holds
from helpdesk.reminders.models import ReminderDispatch, ReminderSchedule, ReminderStep
from helpdesk.routing.services import add_tags
from helpdesk.sla.calendar import bogota, cdmx
from helpdesk.sla.services import PolicyValues, save_calendar, save_policy
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User

MX = ZoneInfo("America/Mexico_City")
CO = ZoneInfo("America/Bogota")
SYSTEM = Actor.system("test")


def mx(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX)


def co(*args: int) -> datetime:
    return datetime(*args, tzinfo=CO)


@dataclass
class Month:
    disputas: Any
    colombia: Any
    quejas: Any
    ana: User
    beto: User
    tickets: dict[str, Ticket]


@pytest.fixture
def month(session: Session, make: Any) -> Month:
    def at(moment: datetime) -> Any:
        return clock.freeze(moment)

    disputas, colombia, quejas = (
        make.queue("Disputas"),
        make.queue("Colombia"),
        make.queue("Quejas"),
    )
    now = clock.now()
    for queue, calendar in ((disputas, cdmx()), (colombia, bogota())):
        stored = save_calendar(
            session,
            None,
            name=f"cal {queue.name}",
            config=calendar.to_config(),
            actor=SYSTEM,
            now=now,
        )
        save_policy(
            session,
            None,
            PolicyValues(
                name=f"SLA {queue.name}",
                queue=queue,
                calendar=stored,
                first_response_amount=120,
                resolution_amount=600,
            ),
            actor=SYSTEM,
            now=now,
        )
    ana, beto = make.user(name="Ana Núñez"), make.user(name="Beto Ruiz")
    made: dict[str, Ticket] = {}

    def open_(
        name: str, moment: datetime, queue: Any, assignee: User | None, **fields: Any
    ) -> Ticket:
        with at(moment):
            ticket = make.ticket(queue=queue, subject=f"Caso {name}", **fields)
            if assignee is not None:
                tickets.assign(session, ticket, assignee, actor=SYSTEM, now=clock.now())
        made[name] = ticket
        return ticket

    def reply(ticket: Ticket, moment: datetime, agent: User) -> None:
        with at(moment):
            tickets.reply(session, ticket, author=agent, text="Revisamos su caso.", now=clock.now())

    def status(ticket: Ticket, moment: datetime, value: str) -> None:
        with at(moment):
            tickets.set_status(session, ticket, value, actor=SYSTEM, now=clock.now())

    t1 = open_("T1", mx(2026, 11, 13, 17, 0), disputas, ana)
    reply(t1, mx(2026, 11, 17, 9, 30), ana)
    status(t1, mx(2026, 11, 18, 11, 0), "resolved")

    t2 = open_("T2", mx(2026, 11, 9, 10, 0), disputas, ana)
    reply(t2, mx(2026, 11, 9, 10, 30), ana)
    status(t2, mx(2026, 11, 9, 11, 0), "pending")
    with at(mx(2026, 11, 10, 9, 0)):
        tickets.append_inbound(
            session,
            t2,
            text="Adjunto el comprobante.",
            channel="email",
            contact=t2.contact,
            now=clock.now(),
        )
    status(t2, mx(2026, 11, 10, 10, 0), "resolved")
    with at(mx(2026, 11, 11, 10, 0)):
        tickets.append_inbound(
            session,
            t2,
            text="Sigue apareciendo el cargo.",
            channel="email",
            contact=t2.contact,
            now=clock.now(),
        )
    status(t2, mx(2026, 11, 11, 12, 0), "resolved")

    t3 = open_("T3", co(2026, 11, 19, 9, 0), colombia, beto, channel="whatsapp")
    reply(t3, co(2026, 11, 19, 10, 0), beto)

    held = make.account(number="MX-PAUSADA", creditor="Financiera Sur")
    t4 = open_("T4", mx(2026, 11, 23, 9, 30), disputas, None, contact=held.contact)
    with at(mx(2026, 11, 23, 9, 30)):
        holds.link_account(session, t4, held, actor=SYSTEM, now=clock.now())

    account = make.account(number="MX-DISPUTA", creditor="Banco Demo")
    t5 = open_("T5", mx(2026, 11, 3, 10, 0), disputas, ana, contact=account.contact)
    with at(mx(2026, 11, 3, 10, 0)):
        holds.link_account(session, t5, account, actor=SYSTEM, now=clock.now())
    reply(t5, mx(2026, 11, 3, 10, 15), ana)
    with at(mx(2026, 11, 5, 10, 0)):
        holds.record_outcome(
            session, t5, "favourable", grace=timedelta(days=3), actor=SYSTEM, now=clock.now()
        )
    status(t5, mx(2026, 11, 5, 10, 0), "resolved")

    t6 = open_("T6", mx(2026, 11, 20, 12, 0), quejas, beto, type="complaint")
    with at(mx(2026, 11, 20, 12, 0)):
        add_tags(session, t6, ["trato"], actor=SYSTEM, now=clock.now())

    open_("T7", mx(2026, 10, 2, 10, 0), disputas, beto)
    _skipped_reminder(session, account, mx(2026, 11, 4, 9, 0))
    session.flush()
    return Month(disputas, colombia, quejas, ana, beto, made)


def _skipped_reminder(session: Session, account: Any, moment: datetime) -> None:
    schedule = ReminderSchedule(
        creditor=account.creditor,
        portfolio=account.portfolio,  # Banco Demo's book: Mexican (the default country)
        name="Recordatorios",
        created_at=moment,
        updated_at=moment,
    )
    step = ReminderStep(schedule=schedule, offset_days=0, channel="email", subject="Su pago")
    session.add_all([schedule, step])
    session.flush()
    session.add(
        ReminderDispatch(
            account_id=account.id,
            step_id=step.id,
            due_date=moment.date(),
            channel="email",
            status="skipped",
            reason="hold",
            at=moment,
        )
    )
