"""The embedded search backend: a Whoosh index under the data folder.

One writer at a time (Whoosh's own lock; the ``search`` queue has one worker, inline jobs
wait for the lock); every search opens a fresh searcher, so it sees the last commit. A
rebuild writes a new index beside the live one and swaps the folders, so searches go on
while it runs. Queries are built from ``ParsedQuery`` parts, never parsed from text.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh import writing as whoosh_writing
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.codec import base as whoosh_codec_base
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.lang import stopwords_for_language
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map
from whoosh.util import IDCHARS

from helpdesk.search.documents import TicketDocument, account_terms
from helpdesk.search.query import ParsedQuery

log = logging.getLogger(__name__)


def _unseeded_name(size: int = 28) -> str:
    return "".join(secrets.choice(IDCHARS) for _ in range(size))


# Whoosh names each new segment with the global ``random`` module. A process that seeds
# it (Hypothesis does, for every example) gets the same names again, and the next commit
# fails on a segment file that already exists. Names from the OS's randomness instead.
whoosh_codec_base.random_name = _unseeded_name
whoosh_writing.random_name = _unseeded_name

# Accents and case folded before Spanish stemming, in the index and in queries alike:
# "aclaracion" finds "aclaración", "ANDRES" finds "Andrés", "pagos" finds "pago".
STOPWORDS = frozenset(stopwords_for_language("es")) | frozenset(stopwords_for_language("en"))
ANALYZER = (
    RegexTokenizer(r"\w+(?:[.@-]\w+)*")
    | LowercaseFilter()
    | CharsetFilter(accent_map)
    | StopFilter(stoplist=STOPWORDS, minsize=1)
    | StemFilter(lang="es", cachesize=50_000)
)
SCHEMA = Schema(
    ticket_id=ID(stored=True, unique=True),
    folio=ID(stored=True),
    subject=TEXT(analyzer=ANALYZER, stored=True, field_boost=3.0),
    preview=STORED,  # the start of the conversation, what snippets are cut from
    names=TEXT(analyzer=ANALYZER),
    # Everything a free word may be found in, as one field: one posting list a word
    # instead of one a field (subject, names, messages, file names).
    text=TEXT(analyzer=ANALYZER),
    emails=KEYWORD(lowercase=True, commas=True),
    phones=KEYWORD(commas=True),
    accounts=KEYWORD(lowercase=True, commas=True),
    tags=KEYWORD(lowercase=True, commas=True),
    status=ID,
    type=ID,
    channel=ID,
    queue=ID,
    assignee=ID,
    created=DATETIME(sortable=True),  # a column too: after:/before: read it per match
    activity=DATETIME(sortable=True),  # a column: read per match to keep the latest
)
PREVIEW_CHARS = 4_000
TEXT_FIELDS = ("text", "subject")  # subject again: a word in it ranks higher
NONE = "none"
# As on PostgreSQL: the latest COUNT_BOUND + 1 matches are counted and ranked ("more than
# 1,000" asks for another word); a common word never scores a third of the tickets.
COUNT_BOUND = 1_000
FIRST_WINDOW = 4_096  # documents read from the end of a segment before widening
FRAGMENTER = ContextFragmenter(maxchars=220, surround=60)
FORMATTER = HtmlFormatter(tagname="b", classname="match")


@dataclass
class Hit:
    ticket_id: int
    score: float
    snippet: str  # HTML: escaped text, matches in <b class="match">


@dataclass
class Page:
    hits: list[Hit]
    total: int
    rebuilt: bool = False  # the index was missing or corrupt and starts again empty


class WhooshIndex:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "search" / "whoosh"

    # --- Opening -------------------------------------------------------------------------

    def _open(self) -> tuple[whoosh_index.Index, bool]:
        """The index, created when missing; a corrupt one is moved aside and started
        again (returns True then: everything must be indexed anew)."""
        try:
            if whoosh_index.exists_in(str(self.path)):
                index = whoosh_index.open_dir(str(self.path))
                if _layout(index.schema) == _layout(SCHEMA):
                    return index, False
                raise ValueError("the index has the fields of an older version")
        except Exception as error:  # any corruption: start again, keep the old for a look
            self.reset(error)
        fresh = self.path.with_name(f"whoosh-{secrets.token_hex(6)}")
        fresh.mkdir(parents=True)
        index = whoosh_index.create_in(str(fresh), SCHEMA)
        self._swap_in(fresh)
        return index, True

    def reset(self, error: Exception) -> None:
        """Move an unreadable index aside; the next open starts an empty one."""
        log.error("search index at %s is unreadable (%s): starting a new one", self.path, error)
        if self.path.exists():
            aside = self.path.with_name(f"whoosh.broken-{datetime.now():%Y%m%d%H%M%S%f}")
            target = self.path.resolve()
            if self.path.is_symlink():
                self.path.unlink()
            shutil.move(str(target), str(aside))

    def exists(self) -> bool:
        return whoosh_index.exists_in(str(self.path))

    # --- Writing -------------------------------------------------------------------------

    def write(self, documents: Sequence[TicketDocument], removed: Iterable[int]) -> bool:
        """Add or replace ``documents``, drop ``removed``; one commit. Returns True when the
        index had to be started again (the caller then queues a full catch-up)."""
        index, rebuilt = self._open()
        writer = index.writer(timeout=60)
        try:
            for ticket_id in removed:
                writer.delete_by_term("ticket_id", str(ticket_id))
            for document in _oldest_first(documents):
                writer.update_document(**_fields(document))
            writer.commit()
        except BaseException:
            _abandon(writer)
            raise
        return rebuilt

    def rebuild(self, batches: Iterable[Sequence[TicketDocument]]) -> int:
        """A new index from ``batches``, built in a folder of its own and swapped in when
        complete: ``whoosh`` is a symbolic link, replaced atomically, so a search never
        finds it missing."""
        fresh = self.path.with_name(f"whoosh-{secrets.token_hex(6)}")
        fresh.mkdir(parents=True)
        writer = whoosh_index.create_in(str(fresh), SCHEMA).writer(
            limitmb=256, procs=1, multisegment=False
        )
        count = 0
        for batch in batches:
            for document in _oldest_first(batch):
                writer.add_document(**_fields(document))
            count += len(batch)
        writer.commit(optimize=True)
        self._swap_in(fresh)
        return count

    def _swap_in(self, fresh: Path) -> None:
        link = self.path.with_name("whoosh.link")
        link.unlink(missing_ok=True)
        link.symlink_to(fresh.name)
        previous = self.path.resolve() if self.path.exists() else None
        if previous is not None and not self.path.is_symlink():
            # A plain folder (an index from before links): moved aside once, not atomic.
            previous = self.path.rename(self.path.with_name(f"whoosh.old-{fresh.name}"))
        os.replace(link, self.path)
        if previous is not None and previous != fresh:
            shutil.rmtree(previous, ignore_errors=True)  # open searchers keep their files

    # --- Reading -------------------------------------------------------------------------

    def count(self) -> int:
        index, _ = self._open()
        return index.doc_count()

    def search(
        self, parsed: ParsedQuery, *, visible: VisibleTo | None, page: int, per_page: int
    ) -> Page:
        index, rebuilt = self._open()
        query = build_query(parsed, visible)
        if query is None:
            return Page([], 0, rebuilt)
        searcher = _searcher(self.path, index)
        latest = _latest_matches(searcher, query, COUNT_BOUND + 1, opened_between(parsed))
        latest.sort(key=lambda m: (-m.score, -m.activity))  # best first, then recent
        words = _highlighted_words(query)
        hits = []
        for match in latest[(page - 1) * per_page : page * per_page]:
            stored = searcher.stored_fields(match.docnum)
            hits.append(Hit(int(stored["ticket_id"]), match.score, _snippet(stored, words)))
        return Page(hits, len(latest), rebuilt)


@dataclass(frozen=True)
class _Match:
    activity: int
    score: float
    docnum: int


def _latest_matches(
    searcher: Searcher, query: q.Query, bound: int, opened: Opened | None = None
) -> list[_Match]:
    """The ``bound`` matches with the latest activity, scored. Documents go into a segment
    oldest first (a rebuild sorts them; a change is a new document in a newer segment), so
    matches are read from the last segment's end backwards, in windows that double, until
    ``bound`` are found: a word in a third of the tickets costs a few thousand matches, not
    a hundred thousand (pure-Python scoring is what a search spends its time on). Fewer
    than ``bound`` matches means every one was read: then the count is exact. ``opened``
    is checked on each match's ``created`` column."""
    context = searcher.context()
    found: list[_Match] = []
    for subsearcher, offset in reversed(searcher.leaf_searchers()):
        activity = subsearcher.reader().column_reader("activity", translate=False)
        created = subsearcher.reader().column_reader("created", translate=False)
        end, window = subsearcher.doc_count_all(), FIRST_WINDOW
        while end > 0 and len(found) < bound:
            start = max(0, end - window)
            matcher = query.matcher(subsearcher, context)
            if start and matcher.is_active():
                matcher.skip_to(start)
            while matcher.is_active() and matcher.id() < end:
                docnum = matcher.id()
                if opened is None or opened.admits(created[docnum]):
                    found.append(_Match(activity[docnum], matcher.score(), offset + docnum))
                matcher.next()
            end, window = start, window * 2
    found.sort(key=lambda m: -m.activity)
    return found[:bound]


def _highlighted_words(query: q.Query) -> frozenset[str]:
    return frozenset(
        text if isinstance(text, str) else text.decode()
        for field, text in query.iter_all_terms(phrases=True)
        if field in TEXT_FIELDS
    )


def _oldest_first(documents: Iterable[TicketDocument]) -> list[TicketDocument]:
    """Oldest activity first, so a segment's last documents are its latest: the search
    reads matches from the end (``_latest_matches``). A batch of the change log comes in
    the order its changes were logged, which need not be its tickets' activity order."""
    return sorted(documents, key=lambda d: (d.activity_at, d.ticket_id))


def _layout(schema: Schema) -> set[tuple[str, str, bool]]:
    """Field names, kinds and columns: an index written with another layout is rebuilt."""
    return {
        (name, type(field).__name__, field.column_type is not None)
        for name, field in schema.items()
    }


def _abandon(writer: object) -> None:
    """A writer that failed (even inside its commit) must let go of the index's lock, or
    every later writer in this process waits for it and fails."""
    try:
        writer.cancel()
    except Exception:  # already half-committed: cancelling may fail too
        log.exception("search: cancelling a failed index writer")
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        with contextlib.suppress(Exception):  # released by cancel() already
            lock.release()


_SEARCHERS = threading.local()


def _searcher(path: Path, index: whoosh_index.Index) -> Searcher:
    """This thread's searcher for ``path``, reopened only when a commit changed the index
    or a rebuild swapped the folder (a new inode): opening one reads every segment's
    files, a fifth of a search's time."""
    cached: dict[Path, tuple[int, Searcher]] = _SEARCHERS.__dict__.setdefault("by_path", {})
    inode = os.stat(path).st_ino
    known, searcher = cached.get(path, (None, None))
    if searcher is not None and known == inode and searcher.up_to_date():
        return searcher
    if searcher is not None:
        searcher.close()
    searcher = index.searcher()
    cached[path] = (inode, searcher)
    return searcher


@dataclass(frozen=True)
class VisibleTo:
    """A staff member limited to some queues (their own tickets and unqueued ones too)."""

    user_id: int
    queue_ids: tuple[int, ...]


def _fields(document: TicketDocument) -> dict[str, object]:
    return {
        "ticket_id": str(document.ticket_id),
        "folio": document.folio.upper(),
        "subject": document.subject,
        "names": " ".join(document.names),
        "text": "\n\n".join(
            [
                document.subject,
                " ".join(document.names),
                *document.body,
                " ".join(document.filenames),
                " ".join(document.tags),
            ]
        ),
        "emails": ",".join(document.emails),
        "phones": ",".join(document.phones),
        "accounts": ",".join(document.accounts),
        "tags": ",".join(document.tags),
        "status": document.status,
        "type": document.type,
        "channel": document.channel,
        "queue": str(document.queue_id) if document.queue_id else NONE,
        "assignee": str(document.assignee_id) if document.assignee_id else NONE,
        "created": document.created_at.replace(tzinfo=None),
        "activity": document.activity_at.replace(tzinfo=None),
        "preview": "\n\n".join(document.body)[:PREVIEW_CHARS],
    }


def _snippet(stored: dict[str, str], words: frozenset[str]) -> str:
    """Where the words are: in the start of the conversation, else in the subject."""
    if not words:
        return ""
    for text in (stored.get("preview") or "", stored.get("subject") or ""):
        found = highlight(text, words, ANALYZER, FRAGMENTER, FORMATTER, top=2)
        if found:
            return found
    return ""


def tokens(text: str) -> list[str]:
    return [token.text for token in ANALYZER(text)]


def _word(word: str) -> q.Query | None:
    """A free word: in the text (subject, names, messages, file names, tags), or, when it
    has more than letters, exactly an address, account, tag, folio or phone (the same
    rule as PostgreSQL's, so a query means the same on both)."""
    analysed = tokens(word)
    text = None
    if analysed:
        per_token = [q.Or([q.Term(f, token) for f in TEXT_FIELDS]) for token in analysed]
        text = q.And(per_token) if len(per_token) > 1 else per_token[0]
    if word.isalpha():
        return text
    exact: list[q.Query] = [
        q.Term("emails", word.lower()),
        q.Term("tags", word.lower()),
        q.Term("folio", word.upper()),
        *(q.Term("accounts", term) for term in account_terms(word)),
    ]
    if word.isdigit() and len(word) >= 7:
        exact.append(q.Term("phones", word[-10:]))
    if text is not None:
        exact.append(text)
    return q.Or(exact)


def _phrase(text: str) -> q.Query | None:
    words = tokens(text)
    if not words:
        return None
    if len(words) == 1:
        return q.Term("text", words[0])
    return q.Phrase("text", words)


def _filters(parsed: ParsedQuery) -> list[q.Query]:
    """Field filters; ``services.resolve`` already turned names into ids and phones into
    digits. Several values of one filter are alternatives."""
    made = []
    for name, values in parsed.filters.items():
        if name == "from":
            alternatives = [q.Term("emails", v.lower()) for v in values]
            alternatives += [
                q.And([q.Term("names", t) for t in tokens(v)]) for v in values if tokens(v)
            ]
        elif name == "account":
            alternatives = [q.Term("accounts", t) for v in values for t in account_terms(v)]
        else:
            field, fold = _FILTER_FIELDS[name]
            alternatives = [q.Term(field, fold(v)) for v in values]
        made.append(q.Or(alternatives))
    return made


_FILTER_FIELDS = {
    "folio": ("folio", str.upper),
    "phone": ("phones", str),
    "status": ("status", str.lower),
    "type": ("type", str.lower),
    "channel": ("channel", str.lower),
    "queue": ("queue", str),
    "assignee": ("assignee", str),
    "tag": ("tags", str.lower),
}


@dataclass(frozen=True)
class Opened:
    """``after:``/``before:`` as bounds on the ``created`` column (its sortable integers),
    checked per match: as a range query they would list every document of the months
    they span again for each window ``_latest_matches`` reads (half a second each)."""

    start: int | None
    end: int | None  # excluded: before:2026-07-01 ends as June does

    def admits(self, value: int) -> bool:
        return (self.start is None or value >= self.start) and (
            self.end is None or value < self.end
        )


def opened_between(parsed: ParsedQuery) -> Opened | None:
    if not (parsed.after or parsed.before):
        return None
    field = SCHEMA["created"]

    def bound(day: date | None) -> int | None:
        return field.to_column_value(datetime.combine(day, time.min)) if day else None

    return Opened(bound(parsed.after), bound(parsed.before))


def build_query(parsed: ParsedQuery, visible: VisibleTo | None) -> q.Query | None:
    """The query for the index; dates are not in it (``opened_between``)."""
    required: list[q.Query] = [w for w in map(_word, parsed.words) if w is not None]
    required += [p for p in map(_phrase, parsed.phrases) if p is not None]
    required += _filters(parsed)
    if not required and (parsed.after or parsed.before):
        required.append(q.Every())  # dates alone: every ticket, the column decides
    if not required:
        return None
    if visible is not None:
        required.append(
            q.Or(
                [q.Term("queue", str(i)) for i in visible.queue_ids]
                + [q.Term("queue", NONE), q.Term("assignee", str(visible.user_id))]
            )
        )
    query: q.Query = q.And(required)
    excluded = [x for x in map(_word, parsed.excluded) if x is not None]
    if excluded:
        query = q.AndNot(query, q.Or(excluded))
    return query
