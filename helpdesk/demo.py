"""Spanish demo data: queues, staff of every role, debtors with accounts, 500 tickets.

Deterministic (a fixed seed) and idempotent: a second run finds the data and stops.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.accounts.models import CollectionAccount
from helpdesk.audit.services import Actor
from helpdesk.contacts.models import Contact
from helpdesk.contacts.services import create_contact
from helpdesk.holds import services as holds
from helpdesk.queues.models import Queue
from helpdesk.reminders import defaults as reminder_defaults
from helpdesk.sla import defaults as sla_defaults
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import Channel, Priority, Status, TicketType
from helpdesk.users.models import Role, User
from helpdesk.users.services import create_user, find_by_email

DEMO_GRACE = timedelta(days=3)  # HOLD_GRACE_DAYS by default: the demo has no settings
DEMO_PASSWORD = "aclara-demo-2026"  # noqa: S105  (printed for the demo logins)
SEED = 2026

STAFF = [
    ("admin@demo.aclara.mx", "Adriana Morales", Role.ADMIN),
    ("gerente@demo.aclara.mx", "Gustavo Ibarra", Role.MANAGER),
    ("supervisora@demo.aclara.mx", "Sofía Delgado", Role.SUPERVISOR),
    ("agente1@demo.aclara.mx", "Luis Hernández", Role.AGENT),
    ("agente2@demo.aclara.mx", "María Fernanda Ruiz", Role.AGENT),
    ("agente3@demo.aclara.mx", "Jorge Castañeda", Role.AGENT),
]

QUEUES = [
    (
        "Aclaraciones",
        "aclaraciones",
        "aclaraciones@demo.aclara.mx",
        "Disputas de cargos, saldos y pagos no aplicados.",
    ),
    (
        "Quejas",
        "quejas",
        "quejas@demo.aclara.mx",
        "Quejas sobre el trato de los gestores y reclamaciones formales.",
    ),
    (
        "Convenios de pago",
        "convenios",
        "convenios@demo.aclara.mx",
        "Solicitudes de planes y convenios de pago.",
    ),
    (
        "Datos personales (ARCO)",
        "datos-personales",
        "privacidad@demo.aclara.mx",
        "Acceso, rectificación, cancelación y oposición sobre datos personales.",
    ),
]

FIRST_NAMES = [
    "José",
    "María",
    "Juan",
    "Guadalupe",
    "Francisco",
    "Verónica",
    "Alejandro",
    "Patricia",
    "Miguel Ángel",
    "Rosa María",
    "Ricardo",
    "Leticia",
    "Eduardo",
    "Alejandra",
    "Fernando",
    "Claudia",
    "Óscar",
    "Araceli",
    "Raúl",
    "Mónica",
]
LAST_NAMES = [
    "García",
    "Hernández",
    "Martínez",
    "López",
    "González",
    "Pérez",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Morales",
    "Vázquez",
    "Reyes",
    "Jiménez",
    "Torres",
    "Díaz",
    "Gutiérrez",
    "Ruiz",
    "Mendoza",
    "Aguilar",
    "Núñez",
]
CREDITORS = [
    ("Banco del Bajío Demo", "Tarjetas"),
    ("Caja Popular Demo", "Créditos personales"),
    ("Financiera Demo", "Créditos automotrices"),
]

# type -> (queue slug, [(subject, first message, debtor follow-up, agent reply)])
SCENARIOS: dict[TicketType, tuple[str, list[tuple[str, str, str, str]]]] = {
    TicketType.DISPUTE: (
        "aclaraciones",
        [
            (
                "Aclaración de cargo no reconocido",
                "Buenos días. En mi estado de cuenta aparece un cargo de {amount} que no "
                "reconozco. Solicito la aclaración y que se suspenda el cobro mientras se revisa.",
                "Adjunto mi identificación y el estado de cuenta. ¿Cuánto tarda la revisión?",
                "Hola {name}, recibimos su aclaración con folio {folio}. La revisamos en un plazo "
                "máximo de 45 días naturales y mientras tanto no recibirá recordatorios de pago.",
            ),
            (
                "Ya pagué y me siguen cobrando",
                "Realicé el pago total de mi adeudo el mes pasado por transferencia y me siguen "
                "llamando para cobrarme {amount}. Tengo el comprobante.",
                "Les reenvío el comprobante de la transferencia SPEI.",
                "Gracias, {name}. Estamos verificando la aplicación de su pago con el área de "
                "conciliación.",
            ),
            (
                "El saldo no coincide",
                "El saldo que me indican ({amount}) no coincide con lo que debo según mis cuentas. "
                "Pido el desglose de intereses y comisiones.",
                "Sigo esperando el desglose que solicité.",
                "Le compartimos el desglose solicitado; si no está de acuerdo puede responder a "
                "este mensaje.",
            ),
            (
                "Esta deuda no es mía",
                "Me están cobrando una deuda a mi nombre que yo nunca contraté. Creo que se trata "
                "de una suplantación de identidad.",
                "Presenté la denuncia ante el Ministerio Público, adjunto el acuse.",
                "Lamentamos la situación. Hemos detenido toda gestión de cobranza mientras "
                "investigamos el caso.",
            ),
        ],
    ),
    TicketType.COMPLAINT: (
        "quejas",
        [
            (
                "Queja por llamadas a mi trabajo",
                "Un gestor llamó a mi trabajo y habló de mi deuda con mis compañeros. Esto es "
                "inaceptable y quiero presentar una queja formal.",
                "Hoy volvieron a llamar a mi oficina.",
                "Registramos su queja y la turnamos al área de cumplimiento. Le daremos respuesta "
                "en un máximo de 30 días hábiles.",
            ),
            (
                "Me llaman a las once de la noche",
                "Recibo llamadas de cobranza después de las 22:00 horas, incluso en domingo.",
                "Anoche otra vez me llamaron a las 23:10.",
                "Ofrecemos una disculpa. Revisamos los registros de contacto y tomamos medidas con "
                "el despacho responsable.",
            ),
            (
                "Amenazas de un despacho de cobranza",
                "Un despacho me amenazó con embargar mi casa y llamar a mi familia si no pago hoy.",
                "Tengo grabada la llamada.",
                "Su queja fue escalada a la Unidad Especializada. Le pedimos que nos comparta la "
                "grabación por este medio.",
            ),
        ],
    ),
    TicketType.PAYMENT_PLAN: (
        "convenios",
        [
            (
                "Solicitud de convenio de pago",
                "Perdí mi empleo y no puedo pagar el total de {amount}. Quisiera un convenio en "
                "pagos mensuales.",
                "Puedo pagar alrededor de 1,500 pesos al mes.",
                "Con gusto, {name}. Le proponemos 12 pagos mensuales; le enviaremos el convenio "
                "por escrito para su firma.",
            ),
            (
                "¿Me pueden hacer una quita?",
                "Quiero liquidar mi deuda pero no tengo el monto completo. ¿Existe algún descuento "
                "por pago en una sola exhibición?",
                "¿Hasta cuándo es válida la oferta?",
                "Podemos ofrecerle un descuento del 30 % si liquida antes de fin de mes.",
            ),
        ],
    ),
    TicketType.DATA_RIGHTS: (
        "datos-personales",
        [
            (
                "Ejercicio de derechos ARCO",
                "Solicito el acceso a mis datos personales que tienen en su base de datos y la "
                "rectificación de mi domicilio.",
                "Adjunto comprobante de domicilio actualizado.",
                "Recibimos su solicitud ARCO; le responderemos en un plazo de 20 días.",
            ),
        ],
    ),
    TicketType.INFORMATION: (
        "convenios",
        [
            (
                "¿Cuánto debo?",
                "Hola, quisiera saber cuál es mi saldo actual y las opciones para pagar.",
                "¿Puedo pagar en OXXO?",
                "Su saldo es de {amount}. Puede pagar en ventanilla, por transferencia o en "
                "tiendas de conveniencia con la referencia de su cuenta.",
            ),
        ],
    ),
}

TYPE_WEIGHTS = {
    TicketType.DISPUTE: 40,
    TicketType.COMPLAINT: 20,
    TicketType.PAYMENT_PLAN: 25,
    TicketType.DATA_RIGHTS: 5,
    TicketType.INFORMATION: 10,
}
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 45,
    Channel.WHATSAPP: 35,
    Channel.WEBFORM: 10,
    Channel.PORTAL: 5,
    Channel.PHONE: 5,
}


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    queues: int
    contacts: int
    tickets: int
    logins: list[tuple[str, str]]


def load_demo(
    session: Session, *, folio_prefix: str, tickets_count: int = 500, debtors: int = 200
) -> DemoSummary:
    """Create the demo data unless it is already there (``folio_prefix``: the app's
    ``FOLIO_PREFIX``). The caller commits."""
    now = clock.now()
    created = find_by_email(session, STAFF[0][0]) is None
    if created:
        rng = random.Random(SEED)
        staff = _staff(session, now)
        queues = _queues(session, staff, now)
        sla_defaults.install(session, now=now)
        accounts = _debtors(session, rng, debtors, now)
        _tickets(session, rng, tickets_count, queues, staff, accounts, now, folio_prefix)
    # Outside the "created" branch: a demo database from before reminders gets them too.
    reminder_defaults.install(session, now=now)
    return DemoSummary(
        created=created,
        queues=session.scalar(select(func.count(Queue.id))) or 0,
        contacts=session.scalar(select(func.count(Contact.id))) or 0,
        tickets=session.scalar(select(func.count(Ticket.id))) or 0,
        logins=[(email, role.value) for email, _name, role in STAFF],
    )


def _staff(session: Session, now: datetime) -> list[User]:
    actor = Actor.system("demo")
    return [
        find_by_email(session, email)
        or create_user(
            session, email=email, name=name, role=role, password=DEMO_PASSWORD, actor=actor, now=now
        )
        for email, name, role in STAFF
    ]


def _queues(session: Session, staff: list[User], now: datetime) -> dict[str, Queue]:
    queues = {}
    agents = [u for u in staff if u.role in (Role.AGENT, Role.SUPERVISOR)]
    for name, slug, address, description in QUEUES:
        queue = session.scalar(select(Queue).where(Queue.slug == slug))
        if queue is None:
            queue = Queue(
                name=name, slug=slug, email_address=address, description=description, created_at=now
            )
            queue.members.extend(agents)
            session.add(queue)
        queues[slug] = queue
    session.flush()
    return queues


def _debtors(
    session: Session, rng: random.Random, count: int, now: datetime
) -> list[CollectionAccount]:
    actor = Actor.system("demo")
    accounts = []
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), f"{rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)}"
        handle = _ascii(f"{first.split()[0]}.{last.split()[0]}").lower()
        contact = create_contact(
            session,
            name=f"{first} {last}",
            email=f"{handle}{index}@correo-demo.mx",
            phone=f"+5255{rng.randrange(10**7, 10**8)}",
            actor=actor,
            now=now,
        )
        creditor, portfolio = rng.choice(CREDITORS)
        accounts.append(
            CollectionAccount(
                number=f"MX-{100000 + index}",
                creditor=creditor,
                portfolio=portfolio,
                contact=contact,
                balance=Decimal(rng.randrange(150_000, 9_500_000)) / 100,
                currency="MXN",
                days_past_due=rng.choice([0, 15, 30, 45, 60, 90, 120, 180]),
                status="active",
                # Spread around today, so some reminders are due as soon as the demo is up.
                next_due_date=now.date() + timedelta(days=rng.randrange(-10, 21)),
                created_at=now,
                updated_at=now,
            )
        )
    session.add_all(accounts)
    session.flush()
    return accounts


def _tickets(
    session: Session,
    rng: random.Random,
    count: int,
    queues: dict[str, Queue],
    staff: list[User],
    accounts: list[CollectionAccount],
    now: datetime,
    folio_prefix: str,
) -> None:
    agents = [u for u in staff if u.role in (Role.AGENT, Role.SUPERVISOR)]
    # Oldest first, so folios follow the order tickets were opened in.
    opened = sorted(now - timedelta(minutes=rng.randrange(30, 90 * 24 * 60)) for _ in range(count))
    for opened_at in opened:
        ticket_type = _weighted(rng, TYPE_WEIGHTS)
        queue_slug, scenarios = SCENARIOS[ticket_type]
        subject, first, follow_up, answer = rng.choice(scenarios)
        account = rng.choice(accounts)
        contact = account.contact
        assert contact is not None
        words = {"amount": f"${account.balance:,.2f}", "name": contact.name.split()[0]}
        ticket = tickets.open_ticket(
            session,
            contact=contact,
            subject=subject,
            text=first.format(**words),
            channel=_weighted(rng, CHANNEL_WEIGHTS),
            type=ticket_type,
            priority=rng.choice([Priority.NORMAL] * 6 + [Priority.HIGH, Priority.LOW]),
            queue=queues[queue_slug],
            folio_prefix=folio_prefix,
            accounts=[account],
            actor=Actor.for_contact(contact),
            now=opened_at,
        )
        _converse(
            session, rng, ticket, agents, follow_up, answer.format(folio=ticket.folio, **words), now
        )


def _converse(
    session: Session,
    rng: random.Random,
    ticket: Ticket,
    agents: list[User],
    follow_up: str,
    answer: str,
    now: datetime,
) -> None:
    """Play out a plausible life for the ticket, in order, never past ``now``."""
    at = ticket.created_at
    stage = rng.random()
    if stage < 0.12:
        return  # still new, nobody has looked at it
    agent = rng.choice(agents)
    at = min(at + timedelta(minutes=rng.randrange(5, 600)), now)
    tickets.assign(session, ticket, agent, actor=Actor.system("demo"), now=at)
    if rng.random() < 0.3:
        tickets.add_note(
            session,
            ticket,
            author=agent,
            now=at,
            text="Revisar historial de pagos con el otorgante antes de responder.",
        )
    at = min(at + timedelta(minutes=rng.randrange(10, 1440)), now)
    tickets.reply(session, ticket, author=agent, text=answer, now=at)
    ticket.messages[-1].delivery_status = rng.choice(["sent", "delivered", "read"])
    if stage < 0.35:
        return
    at = min(at + timedelta(minutes=rng.randrange(30, 2880)), now)
    tickets.set_status(session, ticket, Status.PENDING, actor=Actor.for_user(agent), now=at)
    if stage < 0.5:
        return
    at = min(at + timedelta(minutes=rng.randrange(30, 2880)), now)
    tickets.append_inbound(
        session, ticket, text=follow_up, channel=ticket.channel, contact=ticket.contact, now=at
    )
    if stage < 0.65:
        return
    at = min(at + timedelta(minutes=rng.randrange(30, 4320)), now)
    final = Status.RESOLVED if stage < 0.9 else Status.CLOSED
    # Like an agent: a dispute that holds accounts is resolved with its outcome.
    outcome = holds.OUTCOMES[ticket.id % len(holds.OUTCOMES)]
    holds.change_status(
        session,
        ticket,
        final,
        outcome=outcome,
        grace=DEMO_GRACE,
        actor=Actor.for_user(agent),
        now=at,
    )


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
