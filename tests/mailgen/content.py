"""What the generated mail says: people, cases and Spanish collection-desk prose.

Debtors in Mexico, Colombia and Argentina write about disputed charges (aclaraciones),
complaints, payment plans and their data rights; some write from phones, some from old
desktop clients. Everything is drawn from one ``random.Random`` so a seed repeats a corpus.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

FIRST = (
    "María", "José", "Guadalupe", "Juan", "Ana", "Luis", "Sofía", "Andrés", "Lucía", "Jesús",
    "Valentina", "Martín", "Camila", "Julián", "Begoña", "Iñaki", "Ramón", "Verónica", "Raúl",
    "Mónica", "Héctor", "Patricia", "Sebastián", "Daniela", "Óscar", "Marisol", "Tomás",
    "Carlos", "Laura", "Diego", "Paula", "Miguel", "Elena", "Pedro", "Rosa", "Jorge",
)  # fmt: skip
LAST = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Gómez", "Muñoz", "Díaz", "Álvarez", "Peña", "Castañeda", "Ibáñez",
    "Torres", "Flores", "Rivera", "Moreno", "Vargas", "Romero", "Silva", "Castro", "Ortiz",
)  # fmt: skip
DOMAINS = (
    "gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "prodigy.net.mx",
    "correo.mx", "une.net.co", "hotmail.com.ar", "fibertel.com.ar", "icloud.com",
)  # fmt: skip
COUNTRIES = ("MX", "CO", "AR")
CURRENCY = {"MX": "MXN", "CO": "COP", "AR": "ARS"}
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip
SHORT_MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")
WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")

# (kind, subjects, opening paragraphs); {account}, {amount}, {date} are filled per case.
TOPICS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "dispute",
        ("Aclaración de cargo no reconocido", "Solicito aclaración cuenta {account}",
         "Cargo que no reconozco", "Aclaración: cobro duplicado", "Ya pagué, aclaración urgente"),
        ("Les escribo porque en mi estado de cuenta aparece un cargo por {amount} que no "
         "reconozco. Nunca autoricé esa compra y pido que se investigue.",
         "El {date} realicé el pago de {amount} por transferencia y aun así me siguen "
         "llamando para cobrarme. Adjunto el comprobante para su aclaración.",
         "Me están cobrando dos veces la misma mensualidad de {amount}. Solicito la "
         "aclaración y que se detengan las llamadas mientras se revisa."),
    ),
    (
        "complaint",
        ("Queja por llamadas de cobranza", "Reclamo: me llaman a mi trabajo",
         "Queja formal contra su despacho", "Acoso telefónico, exijo que paren"),
        ("Recibo llamadas a todas horas, incluso antes de las 7 de la mañana y los domingos. "
         "Esto no está permitido y quiero presentar una queja formal.",
         "Llamaron a mi trabajo y hablaron de mi deuda con mi jefe. Es una falta de respeto "
         "y exijo que no vuelva a ocurrir.",
         "Un gestor me amenazó con embargar mi casa por un saldo de {amount}. Quiero saber "
         "quién es y qué van a hacer al respecto."),
    ),
    (
        "payment_plan",
        ("Propuesta de convenio de pago", "Solicitud de plan de pagos",
         "Quiero negociar mi adeudo", "Convenio cuenta {account}"),
        ("Perdí mi empleo hace dos meses y no puedo pagar el total de {amount}. ¿Es posible "
         "un convenio en seis mensualidades?",
         "Quiero liquidar mi cuenta {account}. ¿Qué descuento me pueden ofrecer si pago "
         "{amount} antes del {date}?",
         "Puedo pagar la mitad ahora y el resto en tres meses. Les pido una propuesta por "
         "escrito."),
    ),
    (
        "data_rights",
        ("Derechos ARCO: acceso a mis datos", "Solicitud de cancelación de datos personales",
         "Habeas data: solicito mis datos", "Oposición al uso de mis datos"),
        ("En ejercicio de mis derechos ARCO solicito saber qué datos personales tienen de mí, "
         "de dónde los obtuvieron y con quién los han compartido.",
         "Solicito que dejen de usar mi número de teléfono para cobranza y que lo eliminen "
         "de sus registros.",
         "Pido una copia de toda la información que conservan sobre la cuenta {account}."),
    ),
)  # fmt: skip
CLOSINGS = (
    "Quedo atento a su respuesta.", "Gracias por su atención.", "Espero su pronta respuesta.",
    "Saludos cordiales.", "Agradezco de antemano.",
)  # fmt: skip
FOLLOW_UPS = (
    "¿Tienen alguna novedad? Ya pasó una semana y nadie me ha respondido.",
    "Les reenvío la información que me pidieron. Quedo pendiente.",
    "Sigo recibiendo llamadas aunque ya envié mi aclaración. ¿Qué está pasando?",
    "Acepto la propuesta, ¿a qué cuenta debo depositar?",
    "Adjunto de nuevo el comprobante, por favor confirmen que lo recibieron.",
)  # fmt: skip
MOBILE = (
    "Enviado desde mi iPhone",
    "Enviado desde mi Samsung Galaxy",
    "Obtener Outlook para Android",
)


@dataclass(frozen=True)
class Person:
    name: str
    address: str
    country: str


def person(rng: random.Random, number: int) -> Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{_ascii(first)}.{_ascii(last)}{number}".lower()
    return Person(f"{first} {last}", f"{local}@{rng.choice(DOMAINS)}", rng.choice(COUNTRIES))


def _ascii(text: str) -> str:
    return text.translate(str.maketrans("áéíóúÁÉÍÓÚñÑü", "aeiouAEIOUnNu"))


def amount(rng: random.Random, country: str) -> str:
    value = rng.randint(300, 90_000) + rng.choice((0, 0.5, 0.99))
    if country == "MX":
        return f"${value:,.2f} {CURRENCY[country]}"
    grouped = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"${grouped} {CURRENCY[country]}"


def long_date(day: dt.date) -> str:
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"


def case(rng: random.Random, who: Person, when: dt.datetime) -> dict[str, str]:
    return {
        "account": f"{rng.randint(10, 99)}-{rng.randint(100000, 999999)}",
        "amount": amount(rng, who.country),
        "date": long_date((when - dt.timedelta(days=rng.randint(3, 40))).date()),
    }


def opening(rng: random.Random, filled: dict[str, str]) -> tuple[str, str]:
    """A new case: its subject and its first paragraph."""
    _kind, subjects, paragraphs = rng.choice(TOPICS)
    return rng.choice(subjects).format(**filled), rng.choice(paragraphs).format(**filled)


def body(rng: random.Random, who: Person, paragraph: str, filled: dict[str, str]) -> str:
    greeting = rng.choice(("Buen día,", "Buenas tardes:", "Estimados señores:", "Hola,"))
    lines = [greeting, "", paragraph, ""]
    if rng.random() < 0.5:
        lines += [f"Mi número de cuenta es {filled['account']}.", ""]
    lines += [rng.choice(CLOSINGS), "", who.name]
    if rng.random() < 0.2:
        lines += ["", rng.choice(MOBILE)]
    return "\n".join(lines)


def attribution(
    rng: random.Random, who: Person, when: dt.datetime, subject: str
) -> tuple[str, bool]:
    """The line a mail client writes above quoted history, and whether it says "escribió"."""
    time = f"{when.hour}:{when.minute:02d}"
    short = f"{when.day} {SHORT_MONTHS[when.month - 1]} {when.year}"
    style = rng.choice(("gmail", "apple", "outlook"))
    if style == "gmail":
        weekday = WEEKDAYS[when.weekday()]
        return f"El {weekday}, {short} a las {time}, {who.name} (<{who.address}>) escribió:", True
    if style == "apple":
        return f"El {short}, a las {time}, {who.name} <{who.address}> escribió:", True
    sent = f"{long_date(when.date())} {time}"
    return (
        f"De: {who.name} <{who.address}>\nEnviado el: {sent}\nPara: Cobranzas\nAsunto: {subject}\n"
    ), False
