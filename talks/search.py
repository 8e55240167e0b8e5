"""Search: the index of what readers may find, kept current by signals like
the timeline's, and the one question asked of it, `find()`.

A search is two searches. By name: every name and other name of the
record's parties, people, talks, places and topics has a matching key
(talks/names.py), and the reader's words are weighed against them in Python,
the same on every database, so that any common spelling finds the record.
By words: summaries, descriptions, quotes, claims and source texts, matched
as whole words by the database's own full-text search (FTS5 on SQLite,
django.contrib.postgres.search on PostgreSQL) behind `Backend`, and ranked
by how often the words occur (rank()), the same number on both databases.
A query that is itself a name of a record ("UN", "truce") also finds, in
the text, the record's other names ("United Nations", "ceasefire").

Either way a request asks the database a fixed number of questions,
however large the record: the names, the counts by kind, and one page.
"""

import functools
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.db.models import Model, Prefetch
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import (
    Alias,
    Citation,
    Claim,
    DataVersion,
    Milestone,
    Party,
    Person,
    Place,
    Position,
    SearchEntry,
    Session,
    Source,
    Talk,
    Topic,
)
from .names import NameIndex, direction, name_key, plain

# The kinds of record search finds, in the order their groups are shown:
# (kind, heading, model).
KINDS = [
    ("party", "Parties", Party),
    ("person", "People", Person),
    ("talk", "Talks", Talk),
    ("place", "Places", Place),
    ("topic", "Topics", Topic),
    ("session", "Sessions", Session),
    ("milestone", "Events", Milestone),
    ("position", "Positions", Position),
    ("claim", "Claims", Claim),
    ("source", "Sources", Source),
]
HEADINGS = {kind: heading for kind, heading, _ in KINDS}
MODELS = {kind: model for kind, _, model in KINDS}
KIND_OF = {model: kind for kind, _, model in KINDS}
# A name found at least this alike (0 to 100) is a result.
FOUND = 80
PER_PAGE = 20


# The index ---------------------------------------------------------------


def _records(model: type[Model]):
    """The records of a kind that readers may see, with what their entries read."""
    if model is Source:
        return Source.objects.all()
    published = Alias.objects.published()
    queryset = model.objects.published()
    if hasattr(model, "aliases"):
        queryset = queryset.prefetch_related(Prefetch("aliases", queryset=published))
    if model is Position:
        queryset = queryset.select_related("party", "topic", "speaker")
    if model is Claim:
        queryset = queryset.select_related("subject")
    if model is Session:
        queryset = queryset.select_related("talk")
    if model is Talk:
        queryset = queryset.select_related("area").prefetch_related(Prefetch("area__aliases", queryset=published))
    return queryset


def entry_of(record: Model) -> dict:
    """The fields of a record's entry."""
    kind = KIND_OF[type(record)]
    names: list[tuple[str, str]] = []
    if hasattr(record, "aliases"):
        names = [(record.name, "", None), *((alias.name, alias.language, alias.pk) for alias in record.aliases.all())]
    if isinstance(record, Position):
        title = f"{record.party.name} on {record.topic.name}"
        speaker = f" ({record.speaker.name})" if record.speaker_id else ""
        text = f"{record.summary}{speaker}\n{record.quote}".strip()
    elif isinstance(record, Claim):
        title, text = record.subject.name, record.statement
    elif isinstance(record, Source):
        title, text = record.title, "\n".join(part for part in (record.author, record.publisher, record.text) if part)
    elif isinstance(record, Talk):
        title = record.name
        text = "\n".join(part for part in (record.summary, record.place) if part)
        # Found by every name its city has had.
        if record.area_id and (others := [alias.name for alias in record.area.aliases.all()]):
            text += f"\n{record.area.name}, also called {', '.join(others)}"
    elif isinstance(record, Place):
        title, text = record.name, "\n".join(part for part in (record.country, record.description) if part)
    elif isinstance(record, Session | Milestone):
        title, text = record.title, record.description
    else:
        title, text = record.name, record.description
    return {
        "kind": kind,
        "title": title[:300],
        "url": record.get_absolute_url()[:300],
        "names": names,
        "keys": "\n".join(key for name, _, _ in names if (key := name_key(name))),
        "text": text,
        "words": (words := plain(" ".join([title, *(name for name, _, _ in names), text]))),
        "words_length": len(words),
    }


def refresh(records: Iterable[Model]) -> None:
    """Bring the entries of these records up to date: made, changed, or
    gone if readers may no longer see the record."""
    by_model: dict[type[Model], set[int]] = {}
    for record in records:
        if type(record) in KIND_OF and record.pk is not None:
            by_model.setdefault(type(record), set()).add(record.pk)
    for model, keys in by_model.items():
        kind = ContentType.objects.get_for_model(model)
        current = {record.pk: record for record in _records(model).filter(pk__in=keys)}
        SearchEntry.objects.filter(content_type=kind, object_id__in=keys - current.keys()).delete()
        for pk, record in current.items():
            SearchEntry.objects.update_or_create(content_type=kind, object_id=pk, defaults=entry_of(record))


@transaction.atomic
def rebuild() -> int:
    """Every entry made afresh from the record, and the full-text index with
    them: after a load that bypassed the signals, or to mend an index out of
    step (`manage.py rebuild_search`). Returns how many entries there are."""
    DataVersion.bump()
    SearchEntry.objects.all().delete()
    for model in MODELS.values():
        kind = ContentType.objects.get_for_model(model)
        batch = []
        for record in _records(model).iterator(chunk_size=500):
            batch.append(SearchEntry(content_type=kind, object_id=record.pk, **entry_of(record)))
            if len(batch) == 500:
                SearchEntry.objects.bulk_create(batch)
                batch = []
        SearchEntry.objects.bulk_create(batch)
    backend().rebuild()
    return SearchEntry.objects.count()


def build_if_missing(sender=None, using="default", **kwargs) -> None:
    """After migrate: the index of a record that has none yet (a site from
    before search had one)."""
    if not SearchEntry.objects.using(using).exists() and Party.objects.using(using).exists():
        rebuild()


def touched(instance: Model) -> list[Model]:
    """The records whose entries a change to this instance can change: its
    own, and those that show its name (a party's or topic's positions, a
    party's claims, the talks held in a place)."""
    if isinstance(instance, Alias | Citation):
        # An alias names its record; a citation can make its fact (an alias
        # too) seen, or a draft again.
        fact = instance.named if isinstance(instance, Alias) else instance.fact
        return touched(fact) if fact is not None else []
    if type(instance) not in KIND_OF:
        return []
    if isinstance(instance, Party):
        return [instance, *instance.positions.all(), *instance.claims.all()]
    if isinstance(instance, Topic | Person):
        return [instance, *instance.positions.all()]
    if isinstance(instance, Place):
        return [instance, *instance.talks.all()]
    return [instance]


@receiver(post_save)
def _saved(sender, instance, raw=False, **kwargs):
    # A load saves raw, record by record: it rebuilds at the end.
    if not raw and (records := touched(instance)):
        refresh(records)


@receiver(post_delete)
def _deleted(sender, instance, **kwargs):
    if type(instance) in KIND_OF:
        kind = ContentType.objects.get_for_model(instance)
        SearchEntry.objects.filter(content_type=kind, object_id=instance.pk).delete()
    records = getattr(instance, "_search_touched", None) or touched(instance)
    refresh(
        record for record in records if record is not instance and type(record).objects.filter(pk=record.pk).exists()
    )


@receiver(pre_delete)
def _deleting(sender, instance, **kwargs):
    # A place takes its link to its talks with it (SET_NULL sends no signal): find them first.
    if isinstance(instance, Place):
        instance._search_touched = touched(instance)


# The full-text backends ---------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What the words of a query ask of the text: every one of `words`, or
    any of `phrases` (other names of a record the query named). The last
    word may be a word still being typed, matched as a prefix."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...] = ()
    prefix: bool = False

    @property
    def all_words(self) -> set[str]:
        return {*self.words, *(word for phrase in self.phrases for word in phrase)}


def rank_patterns(terms: Terms) -> list[str]:
    """What rank() counts: each word with a space either side (a word still
    being typed, a space before it), and each phrase likewise."""
    patterns = [f" {word} " for word in terms.words] + [" " + " ".join(phrase) + " " for phrase in terms.phrases]
    if terms.prefix:
        patterns[len(terms.words) - 1] = f" {terms.words[-1]}"
    return patterns


def rank(terms: Terms, column: str) -> tuple[str, list]:
    """SQL for how well an entry's words answer the query, the same number
    on every database: how often the words asked for (or the phrases of
    the other names, or, for a word still being typed, the words it begins)
    occur in them, for each 10,000 characters of words. The databases' own
    rankings (bm25, ts_rank) would order the same results differently, and
    a page must show the same on SQLite and PostgreSQL.

    This plain SQL is the definition: each backend counts the same number
    its own faster way (its rank()), and the tests hold both to this."""
    patterns = rank_patterns(terms)
    padded = f"(' ' || {column} || ' ')"
    counts = [f"(length({padded}) - length(replace({padded}, %s, ''))) / %s" for _ in patterns]
    params = [value for pattern in patterns for value in (pattern, len(pattern))]
    return f"(({' + '.join(counts)}) * 10000) / (length({column}) + 100)", params


class Backend:
    """Full-text search of the entries' words, ranked (see rank()): the only
    place that knows which database is in use. Each method asks one question.
    A backend gives the SQL that differs: MATCHES, whether an entry `e`
    matches the database's own query (expression()); FROM, the entries with
    what its rank() reads; COUNTED, the entries alone."""

    MATCHES: str
    FROM: str
    COUNTED: str

    @staticmethod
    def expression(terms: Terms) -> str:
        raise NotImplementedError

    @staticmethod
    def rank(terms: Terms) -> tuple[str, list]:
        raise NotImplementedError

    def _where(self, terms: Terms, exclude: Sequence[int], kind: str | None) -> tuple[str, list]:
        where, params = [self.MATCHES], [self.expression(terms)]
        if exclude:
            where.append(f"e.id NOT IN ({', '.join(['%s'] * len(exclude))})")
            params += list(exclude)
        if kind:
            where.append("e.kind = %s")
            params.append(kind)
        return " AND ".join(where), params

    def counts(self, terms: Terms, exclude: Sequence[int]) -> Counter:
        """How many entries of each kind match, leaving out `exclude`."""
        where, params = self._where(terms, exclude, None)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT e.kind, count(*) {self.COUNTED} WHERE {where} GROUP BY e.kind", params)
            return Counter(dict(cursor.fetchall()))

    def page(
        self, terms: Terms, exclude: Sequence[int], kind: str | None, offset: int, limit: int
    ) -> list[SearchEntry]:
        """The matching entries from `offset`, best first."""
        where, params = self._where(terms, exclude, kind)
        ranked, ranking = self.rank(terms)
        sql = (
            f"SELECT e.*, {ranked} AS rank {self.FROM} WHERE {where} "
            "ORDER BY rank DESC, e.kind, e.title, e.id LIMIT %s OFFSET %s"
        )
        return list(SearchEntry.objects.raw(sql, [*ranking, *params, limit, offset]))

    def rebuild(self) -> None:
        """The database's own index made afresh from the entries."""


def _tokens(words: Iterable[str]) -> list[str]:
    """Words as both full-text engines read them: letters and digits only."""
    return [token for word in words for token in re.findall(r"[^\W_]+", word)]


class SQLiteBackend(Backend):
    """FTS5: an external-content table over talks_searchentry.words, kept in
    step by triggers (see migration 0012)."""

    MATCHES = "talks_searchentry_fts MATCH %s"
    FROM = COUNTED = "FROM talks_searchentry_fts JOIN talks_searchentry e ON e.id = talks_searchentry_fts.rowid"

    @staticmethod
    def expression(terms: Terms) -> str:
        def phrase(words: Sequence[str], prefix: bool = False) -> str:
            return '"' + " ".join(words) + '"' + ("*" if prefix else "")

        words = [phrase([word]) for word in terms.words]
        if terms.prefix:
            words[-1] = phrase([terms.words[-1]], prefix=True)
        required = " AND ".join(words)
        if not terms.phrases:
            return required
        return " OR ".join([f"({required})", *(phrase(p) for p in terms.phrases)])

    @staticmethod
    def rank(terms: Terms) -> tuple[str, list]:
        """rank()'s number, counted by a function of Parley's own
        (occurrences()): SQLite's length(replace(...)) copied every matching
        entry's words once a word asked for, 300 ms for a query most entries
        match at scale 1,000, against 160."""
        patterns = rank_patterns(terms)
        counted = f"parley_occurrences(e.words, {', '.join(['%s'] * len(patterns))})"
        return f"({counted} * 10000) / (e.words_length + 100)", patterns

    def rebuild(self):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO talks_searchentry_fts(talks_searchentry_fts) VALUES ('rebuild')")


def occurrences(words: str | None, *patterns: str) -> int | None:
    """How often the patterns occur in the words with a space either side,
    each counted as rank()'s SQL counts it: str.count, like replace(),
    counts occurrences that do not overlap."""
    if words is None:
        return None
    padded = f" {words} "
    return sum(padded.count(pattern) for pattern in patterns)


@receiver(connection_created)
def _sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("parley_occurrences", -1, occurrences, deterministic=True)


class PostgreSQLBackend(Backend):
    """PostgreSQL's full-text search with the "simple" configuration (the
    words are folded already; no stemming, so the same words match as on
    SQLite), over the entries' `document` column, the words as a tsvector
    that the database keeps, with its GIN index (migration 0012), which the
    model does not know."""

    MATCHES = "e.document @@ to_tsquery('simple', %s)"
    # The words with a space either side, made once for each matching
    # entry rather than twice for each word asked for (OFFSET 0 keeps the
    # planner from folding it back into every use).
    FROM = "FROM talks_searchentry e CROSS JOIN LATERAL (SELECT ' ' || e.words || ' ' AS padded OFFSET 0) p"
    COUNTED = "FROM talks_searchentry e"

    @staticmethod
    def expression(terms: Terms) -> str:
        words = list(terms.words)
        if terms.prefix:
            words[-1] += ":*"
        required = " & ".join(words)
        if not terms.phrases:
            return required
        return " | ".join([f"({required})", *("(" + " <-> ".join(p) + ")" for p in terms.phrases)])

    @staticmethod
    def rank(terms: Terms) -> tuple[str, list]:
        """rank()'s number, its occurrences counted in bytes: each one
        removed takes its pattern's bytes with it, so the count is the same,
        and a text's length in bytes is known where its length in characters
        means reading all of it (the two lengths of each word asked for, and
        the words' own, now kept, were most of a query that most entries
        match at scale 1,000: 400 ms, now 200)."""
        patterns = rank_patterns(terms)
        counts = ["(octet_length(p.padded) - octet_length(replace(p.padded, %s, ''))) / %s" for _ in patterns]
        params = [value for pattern in patterns for value in (pattern, len(pattern.encode()))]
        return f"(({' + '.join(counts)}) * 10000) / (e.words_length + 100)", params


def backend() -> Backend:
    """The full-text search of the database in use."""
    return PostgreSQLBackend() if connection.vendor == "postgresql" else SQLiteBackend()


# Finding -----------------------------------------------------------------


@dataclass
class Result:
    entry: SearchEntry
    terms: Terms
    # How alike the name found is (0 to 100), for a result found by name.
    likeness: float | None = None

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def heading(self) -> str:
        return HEADINGS[self.entry.kind]

    @property
    def other_names(self) -> list[tuple[str, str, str, int]]:
        """The record's other names, as (name, language, direction, alias's
        key): each shown in its language, and right to left where that is
        written so."""
        return [(name, language, direction(language), pk) for name, language, pk in self.entry.names[1:]]

    @property
    def snippet(self) -> SafeString:
        return snippet(self.entry.text, self.terms)


@dataclass
class Found:
    """What a search finds: the results by name (most alike first), then by
    words (best ranked first), none twice; the count of each kind; and, as
    a sequence a Paginator can page, the results of the kind asked for."""

    query: str
    terms: Terms | None
    kind: str | None = None
    # (entry's key, kind, likeness) of each result found by name, best first.
    by_name: list[tuple[int, str, float]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    @property
    def heading(self) -> str:
        """The heading of the kind asked for, if one was."""
        return HEADINGS.get(self.kind or "", "")

    @property
    def empty_query(self) -> bool:
        """The query has no word to look for: only punctuation, say."""
        return self.terms is None

    @property
    def total(self) -> int:
        """Results of every kind."""
        return sum(self.counts.values())

    def kinds(self) -> list[tuple[str, str, int]]:
        """(kind, heading, count) of each kind found, in the order of KINDS."""
        return [(kind, heading, self.counts[kind]) for kind, heading, _ in KINDS if self.counts[kind]]

    def __len__(self) -> int:
        return self.counts[self.kind] if self.kind else sum(self.counts.values())

    def __getitem__(self, index: slice) -> list[Result]:
        """Results start to stop: a Paginator's page. Two queries at most."""
        if not isinstance(index, slice):
            # Only slices: a template's found.name must not be read as found["name"].
            raise TypeError("results are read a page at a time, by slice")
        if self.terms is None:
            return []
        start, stop = index.start or 0, len(self) if index.stop is None else index.stop
        named = [(pk, score) for pk, kind, score in self.by_name if not self.kind or kind == self.kind]
        wanted = named[start:stop]
        entries = SearchEntry.objects.in_bulk([pk for pk, _ in wanted]) if wanted else {}
        results = [Result(entries[pk], self.terms, score) for pk, score in wanted if pk in entries]
        if stop > len(named):
            offset = max(0, start - len(named))
            exclude = [pk for pk, _, _ in self.by_name]
            matching = backend().page(self.terms, exclude, self.kind, offset, stop - max(start, len(named)))
            results += [Result(entry, self.terms) for entry in matching]
        return results


def records(results: list[Result]) -> list[tuple[str, Model]]:
    """The records of these results, in their order, as (kind, record), each
    with its citations: one query for each kind found and one for its
    citations, however many records."""
    by_kind: dict[str, list[int]] = {}
    for result in results:
        by_kind.setdefault(result.kind, []).append(result.entry.object_id)
    loaded = {}
    for kind, keys in by_kind.items():
        model = MODELS[kind]
        queryset = model.objects.all() if model is Source else model.objects.cited()
        loaded |= {(kind, record.pk): record for record in queryset.filter(pk__in=keys)}
    found = ((result.kind, loaded.get((result.kind, result.entry.object_id))) for result in results)
    return [(kind, record) for kind, record in found if record is not None]


def terms_of(query: str, expansions: Iterable[str] = ()) -> Terms | None:
    words = tuple(_tokens(plain(query).split()))
    if not words:
        return None
    phrases = {tuple(_tokens(plain(name).split())) for name in expansions}
    phrases.discard(words)
    phrases.discard(())
    # The last word as a prefix while the reader types it, if it is long
    # enough not to be an abbreviation: "negotia" finds "negotiations", "UN" never "United".
    return Terms(words, tuple(sorted(phrases)), prefix=len(words[-1]) >= 4)


@dataclass
class Names:
    """Every entry's names, ready to be searched: (key, kind, name keys,
    names) of each entry that has any, and their keys in one NameIndex."""

    rows: list[tuple[int, str, str, list]]
    owners: list[int]
    index: NameIndex


# The names of each database, by the data version they were read at: read
# once after each write, by each process, not once a request.
_names: dict[str, tuple[str, Names]] = {}


# The data version, and every entry's names only if the version is not the
# one given: one question either way, so that a request asks as many as the
# one before it, a write or not in between.
# (The version's row is the outer loop, which SQLite's CROSS JOIN fixes: when
# the version is the one given it has no row, and no entry is read. Asked as
# a condition on each entry, SQLite read all 40,000 at scale 1,000 to answer
# nothing, 13 ms a search.)
NAMES_SINCE = (
    "SELECT token, NULL, NULL, NULL, NULL FROM talks_dataversion WHERE id = 1 "
    "UNION ALL "
    "SELECT NULL, e.id, e.kind, e.keys, e.names FROM talks_dataversion v CROSS JOIN talks_searchentry e "
    "WHERE v.id = 1 AND v.token <> %s AND e.keys <> ''"
)


def names() -> Names:
    """The names as the data version stands, read again only after a write."""
    cached = _names.get(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(NAMES_SINCE, [cached[0] if cached else ""])
        found = cursor.fetchall()
    if not found:
        # A database without a data version yet: it gets one, and is read next time.
        DataVersion.current(connection.alias)
        return Names([], [], NameIndex([]))
    token = next(token for token, pk, *_ in found if pk is None)
    if cached and cached[0] == token:
        return cached[1]
    rows = sorted(
        (pk, kind, keys, json.loads(names) if isinstance(names, str) else names)
        for _, pk, kind, keys, names in found
        if pk is not None
    )
    flat: list[str] = []
    owners: list[int] = []
    for index, (_, _, keys, _) in enumerate(rows):
        for one in keys.split("\n"):
            flat.append(one)
            owners.append(index)
    made = Names(rows, owners, NameIndex(flat))
    _names[connection.alias] = (token, made)
    return made


def find(query: str, kind: str | None = None) -> Found:
    """What a search for `query` finds, optionally of one kind only. Asks
    the database three questions: the data version (which says whether the
    names read before are still current), the number of text matches of
    each kind, and (when a page is read) the page."""
    if not _tokens(plain(query).split()):
        return Found(query, None, kind)
    key = name_key(query)
    known = names()
    rows, owners = known.rows, known.owners
    best: dict[int, float] = {}
    for position, score in known.index.most_alike(key).items():
        owner = owners[position]
        best[owner] = max(best.get(owner, 0.0), score)
    found = {owner: score for owner, score in best.items() if score >= FOUND}
    # A query that is a name of a record ("UN", "cease-fire") also looks
    # for the record's other names ("United Nations", "ceasefire") in the text.
    joined = key.replace(" ", "")
    expansions = [
        name
        for owner in found
        if joined in {one.replace(" ", "") for one in rows[owner][2].split("\n")}
        for name, _, _ in rows[owner][3]
    ]
    terms = terms_of(query, expansions)
    order = sorted(found, key=lambda owner: (-found[owner], list(HEADINGS).index(rows[owner][1]), rows[owner][0]))
    by_name = [(rows[owner][0], rows[owner][1], found[owner]) for owner in order]
    counts = Counter(kind for _, kind, _ in by_name)
    counts.update(backend().counts(terms, [pk for pk, _, _ in by_name]))
    return Found(query, terms, kind if kind in HEADINGS else None, by_name, counts)


# Snippets ----------------------------------------------------------------

# A word as a reader sees it: letters and digits, with the apostrophes and
# the dots of an abbreviation ("U.N.") that belong to it.
WORD = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['\u2019]\w+)*")
SNIPPET_WORDS = 30


def _hits(words: "_Words", terms: Terms, starts: Iterable[int]) -> Iterator[int]:
    """Which of the words the query matched, among matches that begin at
    one of `starts`: each word asked for, or, for a query that named a
    record, each whole occurrence of one of its names (so that "United
    States" marks nothing in "United Nations"). In order of where the
    match begins."""
    last = terms.words[-1] if terms.prefix else None

    def matches(word: str, wanted: str) -> bool:
        return word == wanted or (wanted == last and word.startswith(last))

    phrases = {terms.words, *terms.phrases} if terms.phrases else None
    for i in starts:
        if not words.has(i):
            return
        if phrases is None:
            if any(matches(words[i], wanted) for wanted in terms.words):
                yield i
            continue
        for phrase in phrases:
            if words.has(i + len(phrase) - 1) and all(matches(words[i + j], wanted) for j, wanted in enumerate(phrase)):
                yield from range(i, i + len(phrase))


@functools.lru_cache(maxsize=65536)
def _folded_word(word: str) -> str:
    return "".join(_tokens(plain(word).split()))


class _Words:
    """The words of a text, found and folded as the query's are only as far
    as they are asked for: a snippet of a long text (a source's, 30,000
    characters) usually needs its first few dozen."""

    def __init__(self, text: str):
        self.found = WORD.finditer(text)
        self.spans: list[re.Match] = []

    def has(self, index: int) -> bool:
        while len(self.spans) <= index:
            match = next(self.found, None)
            if match is None:
                return False
            self.spans.append(match)
        return True

    def __getitem__(self, index: int) -> str:
        return _folded_word(self.spans[index].group(0))


def snippet(text: str, terms: Terms) -> SafeString:
    """A passage of the text around its first word that the query matched,
    every such word marked with <mark>; the text's beginning if no word
    matched (a result found by its name)."""
    words = _Words(text)
    if not words.has(0):
        return mark_safe("")
    first = next(_hits(words, terms, itertools.count()), 0)
    begin = max(0, first - SNIPPET_WORDS // 3)
    longest = max(len(phrase) for phrase in (terms.words, *terms.phrases)) if terms.phrases else 1
    marked = set(_hits(words, terms, range(max(0, begin - longest + 1), begin + SNIPPET_WORDS)))
    words.has(begin + SNIPPET_WORDS - 1)
    spans = words.spans
    end = min(len(spans), begin + SNIPPET_WORDS)
    start_at = spans[begin].start()
    stop_at = spans[end - 1].end()
    pieces, cursor = [], start_at
    for index in range(begin, end):
        match = spans[index]
        pieces.append(escape(text[cursor : match.start()]))
        word = escape(match.group(0))
        pieces.append(f"<mark>{word}</mark>" if index in marked else word)
        cursor = match.end()
    lead = "… " if start_at > 0 else ""
    tail = " …" if stop_at < len(text.rstrip()) else ""
    return mark_safe(lead + " ".join("".join(pieces).split()) + tail)
