"""Queues from the screen: create, rename, archive, members, channels, assignment."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.channels.email.models import Mailbox
from helpdesk.queues.models import Queue


def events(session, action):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def mailbox(session, name, queue=None):
    box = Mailbox(
        name=name,
        email_address=f"{name}@cobranza.mx",
        imap_host="127.0.0.1",
        imap_user=name,
        queue_id=queue.id if queue else None,
        created_at=clock.now(),
    )
    session.add(box)
    session.flush()
    return box


def test_an_agent_cannot_reach_the_admin_screens(client, signed_in):
    signed_in("agent")
    for path in (
        "/admin/queues",
        "/admin/api-tokens",
        "/admin/tags",
        "/admin/audit",
        "/admin/audit.csv",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/queues", data={"name": "Intrusa"}).status_code == 403


def test_an_admin_creates_renames_and_archives_a_queue(client, signed_in, session):
    signed_in("admin")
    response = client.post("/admin/queues", data={"name": "Aclaraciones Bogotá", "description": ""})
    assert response.status_code == 302
    queue = session.scalar(select(Queue).where(Queue.name == "Aclaraciones Bogotá"))
    assert queue.slug == "aclaraciones-bogota" and queue.is_active
    assert events(session, "queue.created")[0].after["name"] == "Aclaraciones Bogotá"
    assert "Aclaraciones Bogotá" in client.get("/admin/queues").get_data(as_text=True)

    duplicate = client.post("/admin/queues", data={"name": "aclaraciones bogotá"})
    assert duplicate.status_code == 200
    assert "Ya existe una cola con este nombre" in duplicate.get_data(as_text=True)

    response = client.post(
        f"/admin/queues/{queue.id}/edit",
        data={
            "name": "Disputas Bogotá",
            "description": "Tarjetas",
            "email_address": "",
            "closed_reply_policy": "new_linked",
        },
    )
    assert response.status_code == 302
    assert queue.name == "Disputas Bogotá" and queue.closed_reply_policy == "new_linked"
    renamed = events(session, "queue.updated")[0]
    assert renamed.before["name"] == "Aclaraciones Bogotá"
    assert renamed.after["name"] == "Disputas Bogotá"

    client.post(f"/admin/queues/{queue.id}/archive")
    assert queue.archived_at is not None and not queue.is_active
    assert "Archivada" in client.get("/admin/queues").get_data(as_text=True)
    client.post(f"/admin/queues/{queue.id}/archive")
    assert queue.archived_at is None and queue.is_active
    assert [e.action for e in events(session, "queue.archived")] == ["queue.archived"]
    assert len(events(session, "queue.unarchived")) == 1


def test_members_channels_and_assignment(client, signed_in, session, make):
    signed_in("admin")
    queue, other = make.queue("Cobranza MX"), make.queue("Cobranza CO")
    agent = make.user("agent", name="Lucía Herrera")
    page = client.get(f"/admin/queues/{queue.id}").get_data(as_text=True)
    assert "Lucía Herrera" in page and "Nadie atiende esta cola" in page

    client.post(f"/admin/queues/{queue.id}/members", data={"user_id": agent.id})
    assert agent in queue.members
    assert events(session, "queue.member_added")[0].after["user_id"] == agent.id
    client.post(f"/admin/queues/{queue.id}/members/{agent.id}/remove")
    assert agent not in queue.members
    assert len(events(session, "queue.member_removed")) == 1

    box, moved = mailbox(session, "aclaraciones"), mailbox(session, "pagos", other)
    page = client.get(f"/admin/queues/{queue.id}").get_data(as_text=True)
    assert "pagos@cobranza.mx (pagos) — hoy alimenta Cobranza CO" in page
    client.post(
        f"/admin/queues/{queue.id}/channels",
        data={"channels": "1", "mailboxes": [box.id, moved.id]},
    )
    assert box.queue_id == queue.id and moved.queue_id == queue.id
    client.post(
        f"/admin/queues/{queue.id}/channels", data={"channels": "1", "mailboxes": [moved.id]}
    )
    assert box.queue_id is None and moved.queue_id == queue.id
    change = events(session, "queue.channels_changed")[-1]
    assert change.before["mailboxes"] == ["aclaraciones", "pagos"]
    assert change.after["mailboxes"] == ["pagos"]

    client.post(
        f"/admin/queues/{queue.id}/assignment",
        data={"assignment_strategy": "round_robin", "match_skills": "y"},
    )
    assert queue.assignment_strategy == "round_robin" and queue.match_skills
    assert events(session, "queue.assignment_changed")


def test_the_queue_page_links_its_sla_policies(client, signed_in, make):
    signed_in("admin")
    queue = make.queue()
    page = client.get(f"/admin/queues/{queue.id}").get_data(as_text=True)
    assert "/admin/sla/policies" in page and "/admin/sla/calendars" in page


def test_forms_need_a_csrf_token(app, client, signed_in, make, monkeypatch):
    signed_in("admin")
    queue = make.queue()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for path in (
        "/admin/queues",
        f"/admin/queues/{queue.id}/archive",
        "/admin/api-tokens",
        "/admin/tags",
        "/admin/tags/delete",
        "/admin/users/1/role",
    ):
        assert client.post(path, data={"name": "Sin token"}).status_code == 400, path
    assert queue.archived_at is None
