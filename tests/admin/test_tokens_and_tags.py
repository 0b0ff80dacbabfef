"""API tokens and tags from the screen."""

from __future__ import annotations

import re

from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.routing.models import RoutingRule, Tag, agent_skills, ticket_tags
from helpdesk.routing.services import add_tags, tags_of
from helpdesk.tokens.models import ApiToken


def actions(session):
    return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_token_is_shown_once_and_a_revoked_token_gets_401_at_once(client, signed_in, session):
    signed_in("admin")
    response = client.post(
        "/admin/api-tokens",
        data={
            "name": "Sistema de cobranza",
            "scopes": ["accounts:read", "tickets:read"],
            "expires": "30",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "no se vuelve a mostrar" in page
    secret = re.search(r"acl_[A-Za-z0-9_-]+", page).group(0)
    token = session.scalar(select(ApiToken).where(ApiToken.name == "Sistema de cobranza"))
    assert token.scopes == ["accounts:read", "tickets:read"]
    assert token.expires_at is not None and secret not in token.token_hash

    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Sistema de cobranza" in listing and secret not in listing and token.prefix in listing

    api = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/accounts/MX-NADA", headers=api).status_code == 404
    client.post(f"/admin/api-tokens/{token.id}/revoke")
    response = client.get("/api/v1/accounts/MX-NADA", headers=api)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["error"]["message"]
    assert "api_token.revoked" in actions(session)
    assert "Revocado" in client.get("/admin/api-tokens").get_data(as_text=True)


def test_a_token_needs_a_unique_name_and_a_scope(client, signed_in):
    signed_in("admin")
    client.post("/admin/api-tokens", data={"name": "ERP", "scopes": ["tickets:read"]})
    again = client.post("/admin/api-tokens", data={"name": "ERP", "scopes": ["tickets:read"]})
    assert "Ya existe un token con este nombre" in again.get_data(as_text=True)
    none = client.post("/admin/api-tokens", data={"name": "Otro", "expires": "0"})
    assert "Elija al menos un permiso" in none.get_data(as_text=True)


def test_tags_are_created_renamed_and_deleted_everywhere(client, signed_in, session, make):
    admin = signed_in("admin")
    ticket, agent = make.ticket(), make.user("agent")
    add_tags(session, ticket, ["tarjeta", "urgente"], actor=Actor.for_user(admin), now=clock.now())
    session.execute(
        agent_skills.insert(), [{"user_id": agent.id, "kind": "skill", "value": "tarjeta"}]
    )
    rule = RoutingRule(
        name="Tarjetas",
        conditions={"subject_contains": ["tarjeta"]},
        actions={"tags": ["tarjeta", "vip"]},
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(rule)
    session.flush()

    client.post("/admin/tags", data={"name": "Pago Duplicado"})
    assert session.scalar(select(Tag.name).where(Tag.name == "pago-duplicado"))
    again = client.post("/admin/tags", data={"name": "pago duplicado"})
    assert "ya existe" in again.get_data(as_text=True)
    page = client.get("/admin/tags").get_data(as_text=True)
    assert "pago-duplicado" in page and "urgente" in page

    client.post("/admin/tags/rename", data={"old": "tarjeta", "name": "tarjeta-credito"})
    assert tags_of(session, ticket.id) == ["tarjeta-credito", "urgente"]
    assert rule.actions["tags"] == ["tarjeta-credito", "vip"]
    skills = session.execute(select(agent_skills.c.value)).scalars().all()
    assert skills == ["tarjeta-credito"]

    client.post("/admin/tags/rename", data={"old": "urgente", "name": "tarjeta-credito"})
    assert tags_of(session, ticket.id) == ["tarjeta-credito", "urgente"]  # refused: exists

    client.post("/admin/tags/delete", data={"name": "tarjeta-credito"})
    assert tags_of(session, ticket.id) == ["urgente"]
    assert rule.actions["tags"] == ["vip"]
    assert not session.execute(
        select(ticket_tags).where(ticket_tags.c.tag == "tarjeta-credito")
    ).all()
    assert {"tag.created", "tag.renamed", "tag.deleted"} <= set(actions(session))
