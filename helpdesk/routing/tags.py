"""Managing tags: name them ahead of time, rename and delete them everywhere.

A tag is a plain string on tickets (``ticket_tags``), in routing rules' actions and in
agents' skills; the ``tags`` table names the ones an admin created. Renaming or deleting
rewrites every place, in one transaction. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.routing.models import RoutingRule, Tag, agent_skills, ticket_tags
from helpdesk.routing.rules import clean_tag


class TagError(FieldError):
    pass


def _clean(name: str) -> str:
    tag = clean_tag(name)
    if not tag:
        raise TagError("name", _l("Give the tag a name."))
    return tag


def _known(session: Session, name: str) -> bool:
    return (
        session.scalar(select(Tag.id).where(Tag.name == name)) is not None
        or session.scalar(select(exists().where(ticket_tags.c.tag == name))) is True
    )


def tag_named(session: Session, name: str, *, now: datetime) -> Tag:
    """The tag's row, made now for a tag that only tickets carried so far."""
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        if not _known(session, name):
            raise TagError("name", _l("There is no tag %(name)s.", name=name))
        tag = Tag(name=name, created_at=now)
        session.add(tag)
        session.flush()
    return tag


def create_tag(session: Session, name: str, *, actor: Actor, now: datetime) -> Tag:
    name = _clean(name)
    if _known(session, name):
        raise TagError("name", _l("The tag %(name)s already exists.", name=name))
    tag = Tag(name=name, created_at=now)
    session.add(tag)
    session.flush()
    record(session, actor, "tag.created", tag, now=now, after={"name": name})
    return tag


def rename_tag(session: Session, old: str, new: str, *, actor: Actor, now: datetime) -> Tag:
    """Rename on every ticket, rule and agent; a ticket that had both keeps one."""
    tag = tag_named(session, old, now=now)
    new = _clean(new)
    if new == old:
        return tag
    if session.scalar(select(Tag.id).where(Tag.name == new)) is not None:
        raise TagError("name", _l("The tag %(name)s already exists.", name=new))
    both = select(ticket_tags.c.ticket_id).where(ticket_tags.c.tag == new)
    session.execute(
        delete(ticket_tags).where(ticket_tags.c.tag == old, ticket_tags.c.ticket_id.in_(both))
    )
    session.execute(update(ticket_tags).where(ticket_tags.c.tag == old).values(tag=new))
    _rewrite_skills(session, old, new)
    _rewrite_rules(session, old, new)
    tag.name = new
    session.flush()
    record(session, actor, "tag.renamed", tag, now=now, before={"name": old}, after={"name": new})
    return tag


def delete_tag(session: Session, name: str, *, actor: Actor, now: datetime) -> None:
    """Remove the tag from every ticket, rule and agent."""
    tag = tag_named(session, name, now=now)
    session.execute(delete(ticket_tags).where(ticket_tags.c.tag == name))
    session.execute(
        delete(agent_skills).where(agent_skills.c.kind == "skill", agent_skills.c.value == name)
    )
    _rewrite_rules(session, name, None)
    record(session, actor, "tag.deleted", tag, now=now, before={"name": name})
    session.delete(tag)
    session.flush()


def _rewrite_skills(session: Session, old: str, new: str) -> None:
    has_new = select(agent_skills.c.user_id).where(
        agent_skills.c.kind == "skill", agent_skills.c.value == new
    )
    session.execute(
        delete(agent_skills).where(
            agent_skills.c.kind == "skill",
            agent_skills.c.value == old,
            agent_skills.c.user_id.in_(has_new),
        )
    )
    session.execute(
        update(agent_skills)
        .where(agent_skills.c.kind == "skill", agent_skills.c.value == old)
        .values(value=new)
    )


def _rewrite_rules(session: Session, old: str, new: str | None) -> None:
    for rule in session.scalars(select(RoutingRule)):
        tags = list((rule.actions or {}).get("tags") or [])
        if old not in tags:
            continue
        changed = [new if t == old else t for t in tags]
        changed = [t for t in dict.fromkeys(changed) if t]
        actions = dict(rule.actions)
        if changed:
            actions["tags"] = changed
        else:
            actions.pop("tags", None)
        rule.actions = actions  # a new dict: JSON columns notice replacement only
