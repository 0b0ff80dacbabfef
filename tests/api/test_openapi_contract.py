"""The API against its own OpenAPI document, with schemathesis: for every operation,
generated requests are sent and the responses checked (documented status codes, content
types, response schemas, and never a server error)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

RUN = settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def test_the_document_is_valid_openapi_3_1(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert operations == {
        "PUT /accounts/{number}",
        "GET /accounts/{number}",
        "POST /accounts:batch",
        "POST /tickets",
        "GET /tickets/{folio}",
        "POST /tickets/{folio}/resolve",
    }


def test_the_api_honours_its_document(app, session, token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()

        @RUN
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=headers)

        check()
