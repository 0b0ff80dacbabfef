"""The words of data-rights requests and exports, for debtors and agents."""

from __future__ import annotations

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
