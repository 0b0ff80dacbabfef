"""The words of holds: dispute outcomes and why a hold ended."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

OUTCOME_LABELS = {
    "favourable": _l("Favourable to the debtor"),
    "unfavourable": _l("Unfavourable to the debtor"),
    "partial": _l("Partly favourable"),
}

# Why a hold ended besides a recorded outcome.
ENDING_LABELS = {
    **OUTCOME_LABELS,
    "resolved": _l("Resolved"),
    "unlinked": _l("Unlinked"),
    "type_changed": _l("Type changed"),
}


def outcome_label(outcome: str) -> str:
    return str(ENDING_LABELS.get(outcome, outcome))
