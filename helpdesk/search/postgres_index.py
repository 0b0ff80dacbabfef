"""The PostgreSQL full-text backend: ``search_documents`` rows in the app's database, so
every app server and worker searches the same data with no index files to share.

The ``aclara`` text search configuration (migration 0013) stems Spanish over unaccented
words; subject, names, body and file names weigh A, B, C, D. Exact fields (addresses,
phones, accounts, tags) are GIN-indexed arrays. Queries are built from ``ParsedQuery``
parts with bound parameters (``plainto_tsquery``/``phraseto_tsquery``), never from text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from helpdesk.search.documents import TicketDocument, account_terms
from helpdesk.search.models import SearchDocument
from helpdesk.search.query import ParsedQuery
from helpdesk.search.whoosh_index import Hit, Page, VisibleTo

CONFIG = literal_column("'aclara'::regconfig")
_START, _STOP = "\x01", "\x02"  # ts_headline's marks, swapped for tags after escaping
_HEADLINE = f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=2"
D = SearchDocument
COUNT_BOUND = 1_000


class PostgresIndex:
    path = "search_documents"

    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self) -> bool:
        return True

    def reset(self, error: Exception) -> None:
        raise error  # rows in the database cannot be "corrupt" the way files can

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(D)) or 0

    def write(self, documents: Sequence[TicketDocument], removed: Iterable[int]) -> bool:
        removed = list(removed)
        if removed:
            self.session.execute(delete(D).where(D.ticket_id.in_(removed)))
        if documents:
            statement = insert(D).values([_row(d) for d in documents])
            columns = {c: statement.excluded[c] for c in _row(documents[0]) if c != "ticket_id"}
            self.session.execute(
                statement.on_conflict_do_update(index_elements=["ticket_id"], set_=columns)
            )
        return False

    def rebuild(self, batches: Iterable[Sequence[TicketDocument]]) -> int:
        """Rows are replaced in place, batch by batch (searches see old or new rows, never
        none); rows of tickets that are gone are removed at the end."""
        seen: set[int] = set()
        for batch in batches:
            self.write(batch, removed=())
            seen.update(d.ticket_id for d in batch)
        stale = set(self.session.scalars(select(D.ticket_id))) - seen
        self.write((), removed=stale)
        # Fresh statistics at once (visible when the caller commits): on a new table the
        # planner would otherwise guess until autovacuum comes by, and at a million messages
        # a common word took 204 ms instead of 8 (docs/benchmarks.md, "Search").
        self.session.execute(text(f"ANALYZE {D.__tablename__}"))
        return len(seen)

    def search(
        self, parsed: ParsedQuery, *, visible: VisibleTo | None, page: int, per_page: int
    ) -> Page:
        conditions, ranked = _conditions(parsed)
        if not conditions:
            return Page([], 0)
        if visible is not None:
            conditions.append(
                or_(
                    D.queue_id.in_(visible.queue_ids) if visible.queue_ids else false(),
                    D.queue_id.is_(None),
                    D.assignee_id == visible.user_id,
                )
            )
        where = and_(*conditions)
        # The latest matches first, at most COUNT_BOUND + 1 of them: counted ("1,000+" is
        # as useful as an exact figure) and ranked. Ranking reads each match's whole
        # tsvector, so a common word would rank a third of the tickets; past a thousand
        # matches the page asks for another word anyway, and recent cases come first.
        latest = (
            select(D.ticket_id)
            .where(where)
            .order_by(_latest_first(parsed))
            .limit(COUNT_BOUND + 1)
            .cte("latest")  # one pass: counted and ranked in the same statement
        )
        counted = select(func.count()).select_from(latest).scalar_subquery()
        rank = func.ts_rank_cd(D.document, ranked) if ranked is not None else literal(0.0)
        headline = (
            func.ts_headline(CONFIG, D.body, ranked, _HEADLINE)
            if ranked is not None
            else func.substr(D.body, 1, 200)
        )
        rows = self.session.execute(
            select(D.ticket_id, rank.label("rank"), headline.label("snippet"), counted)
            .join(latest, latest.c.ticket_id == D.ticket_id)
            .order_by(rank.desc(), D.activity_at.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        if not rows and page > 1:  # past the last page: say how many there are
            return Page([], self.session.scalar(select(counted)) or 0)
        total = rows[0][3] if rows else 0
        return Page([Hit(r.ticket_id, float(r.rank), _snippet(r.snippet)) for r in rows], total)


# Exact parts: addresses, accounts, phones, folios, tags. They match a handful of tickets,
# but PostgreSQL keeps no statistics for arrays of unique values and guesses 0.5 % each,
# so it would walk the activity index expecting a thousand matches early and read every
# ticket instead. Their matches are few: collected by index, then sorted.
_EXACT_FILTERS = {"folio", "from", "account", "phone", "tag"}


def _latest_first(parsed: ParsedQuery) -> ColumnElement:
    exact = any(not w.isalpha() for w in parsed.words) or bool(
        _EXACT_FILTERS & set(parsed.filters)
    )
    if not exact:
        return D.activity_at.desc()
    # An expression no index provides: the planner sorts the bitmap scan's rows.
    return (D.activity_at + literal_column("interval '0 seconds'")).desc()


def _row(document: TicketDocument) -> dict[str, object]:
    def weighted(text: str, weight: str) -> ColumnElement:
        return func.setweight(func.to_tsvector(CONFIG, text), literal_column(f"'{weight}'"))

    body = "\n\n".join(document.body)
    return {
        "ticket_id": document.ticket_id,
        "document": weighted(document.subject, "A")
        .op("||")(weighted(" ".join(document.names), "B"))
        .op("||")(weighted(body, "C"))
        .op("||")(weighted(" ".join(document.filenames), "D"))
        .op("||")(weighted(" ".join(document.tags), "B")),
        "body": body,
        "folio": document.folio.upper(),
        "emails": document.emails,
        "phones": document.phones,
        "accounts": document.accounts,
        "tags": [t.lower() for t in document.tags],
        "status": document.status,
        "type": document.type,
        "channel": document.channel,
        "queue_id": document.queue_id,
        "assignee_id": document.assignee_id,
        "created_at": document.created_at,
        "activity_at": document.activity_at,
    }


def _tsquery(word: str) -> ColumnElement:
    return func.plainto_tsquery(CONFIG, word)


def _word(word: str) -> ColumnElement:
    """A free word: in the text (subject, names, messages, file names, tags), or, when it
    has more than letters, exactly an address, account, tag, folio or phone. A plain word
    is the text alone: one GIN probe whose selectivity PostgreSQL's statistics know, so
    the planner walks the activity index for a common word and the GIN index for a rare
    one (a needless OR with the arrays, estimated at 0.5 % each, misled it into walking
    every ticket for a rare word)."""
    text = D.document.op("@@")(_tsquery(word))
    if word.isalpha():
        return text
    exact = [
        D.emails.contains([word.lower()]),
        D.tags.contains([word.lower()]),
        D.folio == word.upper(),
        D.accounts.overlap(account_terms(word)),
        text,
    ]
    if word.isdigit() and len(word) >= 7:
        exact.append(D.phones.contains([word[-10:]]))
    return or_(*exact)


def _conditions(parsed: ParsedQuery) -> tuple[list[ColumnElement], ColumnElement | None]:
    conditions: list[ColumnElement] = [_word(w) for w in parsed.words]
    queries = [_tsquery(w) for w in parsed.words]
    for phrase in parsed.phrases:
        query = func.phraseto_tsquery(CONFIG, phrase)
        conditions.append(D.document.op("@@")(query))
        queries.append(query)
    conditions += _filters(parsed)
    if parsed.after:
        conditions.append(D.created_at >= datetime.combine(parsed.after, time.min, UTC))
    if parsed.before:
        conditions.append(D.created_at < datetime.combine(parsed.before, time.min, UTC))
    if not conditions:
        return [], None
    conditions += [not_(_word(x)) for x in parsed.excluded]
    ranked = None
    for query in queries:
        ranked = query if ranked is None else ranked.op("||")(query)
    return conditions, ranked


def _filters(parsed: ParsedQuery) -> list[ColumnElement]:
    made = []
    for name, values in parsed.filters.items():
        if name == "from":
            alternatives = [D.emails.contains([v.lower()]) for v in values]
            alternatives += [D.document.op("@@")(_tsquery(v)) for v in values]
        elif name == "account":
            alternatives = [D.accounts.overlap(account_terms(v)) for v in values]
        elif name == "phone":
            alternatives = [D.phones.contains([v]) for v in values]
        elif name == "tag":
            alternatives = [D.tags.contains([v.lower()]) for v in values]
        elif name in ("queue", "assignee"):
            column = D.queue_id if name == "queue" else D.assignee_id
            alternatives = [
                column == int(v) if v.lstrip("-").isdigit() else false() for v in values
            ]
        else:
            column = {"folio": D.folio, "status": D.status, "type": D.type, "channel": D.channel}[
                name
            ]
            fold = str.upper if name == "folio" else str.lower
            alternatives = [column == fold(v) for v in values]
        made.append(or_(*alternatives) if alternatives else true())
    return made


def _snippet(text: str | None) -> str:
    escaped = html.escape(text or "")
    return escaped.replace(_START, '<b class="match">').replace(_STOP, "</b>")
