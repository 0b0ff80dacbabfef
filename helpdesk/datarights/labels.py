"""The words of data-rights requests and exports, for debtors and agents."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from helpdesk.datarights.models import ExportStatus, RightKind

KIND_LABELS = {
    RightKind.ACCESS.value: _l("A copy of my personal data"),
    RightKind.RECTIFICATION.value: _l("Correct my personal data"),
    RightKind.OPPOSITION.value: _l("Stop contacting me on a channel"),
}
# What a subject line says, so an agent sees the right at a glance in the inbox.
SUBJECTS = {
    RightKind.ACCESS.value: _l("Personal data: request for a copy"),
    RightKind.RECTIFICATION.value: _l("Personal data: request for a correction"),
    RightKind.OPPOSITION.value: _l("Personal data: opposition to contact"),
}
CHANNEL_LABELS = {
    "email": _l("Email"),
    "whatsapp": _l("WhatsApp"),
    "phone": _l("Phone calls and text messages"),
    "all": _l("Every channel"),
}
STATUS_LABELS = {
    ExportStatus.QUEUED.value: _l("Waiting to start"),
    ExportStatus.RUNNING.value: _l("Being produced"),
    ExportStatus.DONE.value: _l("Ready"),
    ExportStatus.FAILED.value: _l("Failed"),
}
COUNTRY_LABELS = {"MX": _l("Mexico"), "CO": _l("Colombia"), "AR": _l("Argentina")}


def event_text(action: str, after: dict[str, Any] | None, who: str) -> str | None:
    """A data-rights or data-export audit event in words, for the ticket timeline."""
    after = after or {}
    if action == "data_rights.requested":
        kind = KIND_LABELS.get(after.get("kind", ""), after.get("kind", ""))
        country = COUNTRY_LABELS.get(after.get("country", ""), after.get("country", ""))
        return _(
            "%(who)s asked: %(kind)s (%(country)s, %(basis)s)",
            who=who,
            kind=kind,
            country=country,
            basis=after.get("legal_basis", ""),
        )
    if action == "data_export.requested":
        return _("%(who)s asked for the data export", who=who)
    if action == "data_export.produced":
        return _("Data export ready (%(messages)s messages)", messages=after.get("messages", 0))
    if action == "data_export.delivered":
        return _("%(who)s delivered the data export to the portal", who=who)
    if action == "data_export.downloaded":
        return _(
            "%(who)s downloaded the data export (%(part)s)", who=who, part=after.get("part", "")
        )
    return None
