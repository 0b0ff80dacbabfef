"""Shared helpers for API tests."""

from __future__ import annotations

from typing import Any


def account_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "creditor": "Banco del Bajío Demo",
        "portfolio": "Tarjetas",
        "contact": {
            "name": "Rosa María Núñez",
            "email": "rosa.nunez@correo.mx",
            "phone": "+52 55 1234 5678",
            "national_id": "NUGR800101MDFXXX09",
        },
        "balance": "12500.00",
        "currency": "MXN",
        "days_past_due": 45,
        "status": "active",
        "next_due_date": "2026-12-01",
    }
    body.update(overrides)
    return body
