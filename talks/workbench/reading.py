"""A source's text as the workbench shows it.

The text is cut into chunks that each know the offset in source.text where
they start (data-offset in the page), so that the browser can turn a
selection back into offsets without sending any text; the passages already
cited are highlighted with the facts they support, and the names of known
parties, people and talks, under any of their other names, are marked.
"""

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..models import Alias, Citation, Party, Person, Talk
from ..text import find_excerpt

# The kinds of record whose names the workbench marks in a text.
NAMED = (Party, Person, Talk)


@dataclass(frozen=True)
class Known:
    """A record the text may name: its kind (the model's name), key and name."""

    kind: str
    pk: int
    name: str


@dataclass(frozen=True)
class Mention:
    """Where the text names known records (one spelling may name several)."""

    start: int
    end: int
    records: tuple[Known, ...]

    @property
    def kinds(self) -> set[str]:
        return {record.kind for record in self.records}


@dataclass
class Chunk:
    """A stretch of the text: plain, or a name of the records it names."""

    start: int
    text: str
    records: tuple[Known, ...] = ()

    @property
    def title(self) -> str:
        return "; ".join(f"{record.kind}: {record.name}" for record in self.records)

    @property
    def markup(self) -> str:
        """The text, escaped, with each carriage return as a character
        reference: written as it is, the browser's parser would turn "\r\n"
        into "\n", and every offset after it would be one out."""
        return mark_safe(escape(self.text).replace("\r", "&#13;"))


@dataclass
class Passage:
    """A passage that citations quote (overlapping ones merged), cut into
    chunks, with the facts it supports as (kind, name, admin address)."""

    number: int
    start: int
    end: int
    citations: list[Citation]
    chunks: list[Chunk] = field(default_factory=list)
    facts: list[tuple[str, str, str]] = field(default_factory=list)


def known_names() -> dict[str, list[tuple[Known, str]]]:
    """Every name and other name of the parties, people and talks, folded,
    each with the record it names and the spelling it was given in. Four
    queries, however many records there are."""
    records: dict[tuple[str, int], Known] = {}
    names: dict[str, list[tuple[Known, str]]] = defaultdict(list)
    for model in NAMED:
        kind = model._meta.model_name
        for pk, name, folded in model.objects.values_list("pk", "name", "folded"):
            records[kind, pk] = Known(kind, pk, name)
            names[folded].append((records[kind, pk], name))
    types = ContentType.objects.get_for_models(*NAMED)
    kinds = {content_type.pk: model._meta.model_name for model, content_type in types.items()}
    aliases = Alias.objects.filter(content_type__in=types.values())
    for type_id, pk, name, folded in aliases.values_list("content_type_id", "object_id", "name", "folded"):
        if record := records.get((kinds[type_id], pk)):
            names[folded].append((record, name))
    return names


APOSTROPHES = frozenset("'\u2018\u2019\u02bb\u02bc`")
WORD = re.compile(r"\w")


def folded_with_origins(text: str) -> tuple[str, list[int]]:
    """The text folded as talks.text.fold folds a name, and for each of its
    characters the offset of the character of the text it comes from, so that
    a name found in the folded text can be marked in the text itself."""
    folded: list[str] = []
    origins: list[int] = []
    for offset, character in enumerate(text):
        for part in unicodedata.normalize("NFKD", character):
            if unicodedata.combining(part):
                continue
            for letter in part.casefold():
                if letter in APOSTROPHES:
                    continue
                if not WORD.match(letter):
                    if not folded or folded[-1] == " ":
                        continue
                    letter = " "
                folded.append(letter)
                origins.append(offset)
    return "".join(folded), origins


def mentions(text: str, names: dict[str, list[tuple[Known, str]]]) -> list[Mention]:
    """Where the text names known records, in order, none overlapping (the
    longest name wins), possessives too ("the opposition's", which folds to
    "the oppositions"). A name of three letters or fewer counts only as it
    is spelled, so that "US" is marked and "us" is not."""
    keys = sorted((key for key in names if key.strip()), key=len, reverse=True)
    if not keys:
        return []
    folded, origins = folded_with_origins(text)
    pattern = re.compile(r"(?<!\w)(?:{})(?=s?(?!\w))".format("|".join(map(re.escape, keys))))
    found = []
    for match in pattern.finditer(folded):
        start, end = origins[match.start()], origins[match.end() - 1] + 1
        short = len(match.group()) <= 3
        records = {
            record: None for record, spelling in names[match.group()] if not short or spelling == text[start:end]
        }
        if records:
            found.append(Mention(start, end, tuple(records)))
    return found


def chunks(text: str, start: int, end: int, named: list[Mention]) -> list[Chunk]:
    """The stretch start:end of the text as plain chunks and names."""
    pieces, position = [], start
    for mention in named:
        if mention.end <= start or mention.start >= end:
            continue
        begin, finish = max(mention.start, start), min(mention.end, end)
        if begin > position:
            pieces.append(Chunk(position, text[position:begin]))
        pieces.append(Chunk(begin, text[begin:finish], mention.records))
        position = finish
    if position < end:
        pieces.append(Chunk(position, text[position:end]))
    return pieces


def passages(text: str, citations: list[Citation]) -> list[Passage]:
    """The cited passages in order, overlapping ones merged. Where a citation
    stands is stored with it; one stored before offsets were (or whose text
    has since moved) is found again by its excerpt."""
    spans = []
    for citation in citations:
        if citation.start is not None and text[citation.start : citation.end] == citation.excerpt:
            spans.append((citation.start, citation.end, citation))
        elif found := find_excerpt(text, citation.excerpt):
            spans.append((*found, citation))
    spans.sort(key=lambda span: (span[0], -span[1]))
    merged: list[Passage] = []
    for start, end, citation in spans:
        if merged and start < merged[-1].end:
            merged[-1].end = max(merged[-1].end, end)
            merged[-1].citations.append(citation)
        else:
            merged.append(Passage(len(merged) + 1, start, end, [citation]))
    return merged


def layout(text: str, cited: list[Passage], named: list[Mention]) -> list[Chunk | Passage]:
    """The whole text as it is shown: plain chunks and names between the
    cited passages, each passage cut into chunks of its own."""
    pieces: list[Chunk | Passage] = []
    position = 0
    for passage in cited:
        pieces += chunks(text, position, passage.start, named)
        passage.chunks = chunks(text, passage.start, passage.end, named)
        pieces.append(passage)
        position = passage.end
    pieces += chunks(text, position, len(text), named)
    return pieces


def paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph (or paragraphs) the stretch start:end stands in."""
    before = text.rfind("\n\n", 0, start)
    after = text.find("\n\n", end)
    return (0 if before < 0 else before + 2, len(text) if after < 0 else after)


MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
MONTH = r"(?P<month>{})\.?".format("|".join(sorted(MONTHS, key=len, reverse=True)))
DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
DATES = [
    re.compile(rf"\b{DAY}\s+(?:of\s+)?{MONTH}{YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{MONTH}\s+{DAY}\b{YEAR}", re.IGNORECASE),
]


def dates_in(text: str, year: int | None) -> list[datetime.date]:
    """The days of the month the text names ("15 February", "Dec 30"), in
    the order it names them; a date without its year takes the one given,
    and without one is left out."""
    found = []
    for pattern in DATES:
        for match in pattern.finditer(text):
            if not (match["year"] or year):
                continue
            try:
                day = datetime.date(int(match["year"] or year), MONTHS[match["month"].lower()], int(match["day"]))
            except ValueError:  # 30 February
                continue
            found.append((match.start(), day))
    return [day for _, day in sorted(found)]
