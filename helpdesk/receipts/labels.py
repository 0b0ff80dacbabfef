"""The words of the acuse: what a debtor asked for, said the way a debtor says it (the
agents' type labels are technical). The portal's case form uses the same sentences."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.tickets.vocabulary import TicketType, label

TYPE_FOR_DEBTOR = {
    TicketType.DISPUTE: _l("I want to dispute a charge (aclaración)"),
    TicketType.ALREADY_PAID: _l("I already paid"),
    TicketType.WRONG_AMOUNT: _l("The amount is wrong"),
    TicketType.NOT_MY_DEBT: _l("This is not my debt"),
    TicketType.PAYMENT_PLAN: _l("I want a payment plan"),
    TicketType.COMPLAINT: _l("I want to file a complaint"),
    TicketType.DATA_RIGHTS: _l("Access, correct or delete my data (ARCO)"),
    TicketType.INFORMATION: _l("I want information about my account"),
    TicketType.DOCUMENTS_REQUEST: _l("I want copies of my documents"),
    TicketType.IDENTITY_THEFT: _l("Someone used my identity"),
    TicketType.STOP_CONTACT: _l("I want you to stop contacting me"),
    TicketType.LEGAL: _l("A legal matter (bankruptcy, death, a lawyer)"),
}


def type_for_debtor(ticket_type: str) -> str:
    try:
        return str(TYPE_FOR_DEBTOR[TicketType(ticket_type)])
    except (ValueError, KeyError):
        return label(ticket_type)
