"""What the workbench knows when it answers a request (the Bench): the
source, the working talk, the passage selected, and the names the text
mentions; and how a passage is cited.

What the selection says is read in a few plain ways (the dates it names, the
words it says first, what it quotes), so that the forms can prefill what the
editor would otherwise type. A guess is only a prefill: the editor sees it,
and the model's rules check what is saved.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from ..models import Citation, Cited, Source, Talk
from ..text import find_excerpt, fold, where_it_differs
from .reading import Mention, dates_in, known_names, mentions, paragraph

# Longer than this, a selection is a passage about a record rather than its name.
NAME_LENGTH = 100
FIND_LENGTH = 5000


@dataclass(frozen=True)
class Selection:
    """A passage of a source, by its offsets in the source's text."""

    source: Source
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]


def read_selection(source: Source, params) -> tuple[Selection | None, str]:
    """The passage the request names, by its offsets (start, end) or by its
    words (find, searched from the end of the current selection on, then
    from the top), with leading and trailing white space left out; or None
    and what is wrong with it, in words."""
    text = source.text
    if words := params.get("find", "").strip()[:FIND_LENGTH]:
        after = params.get("end", "")
        after = int(after) if after.isdigit() and int(after) <= len(text) else 0
        if span := find_excerpt(text[after:], words):
            return Selection(source, span[0] + after, span[1] + after), ""
        if span := find_excerpt(text, words):
            return Selection(source, *span), ""
        return None, f"“{words[:200]}” is not in the text: {where_it_differs(text, words)}."
    start, end = params.get("start", ""), params.get("end", "")
    if not start and not end:
        return None, ""
    if not (start.isdigit() and end.isdigit()):
        return None, "The selection came without its place in the text. Select the passage again."
    start, end = int(start), int(end)
    if not start < end <= len(text):
        return None, (
            f"The selection ({start} to {end}) is not a passage of the text, which has {len(text)} characters. "
            f"Select the passage again."
        )
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return None, "The selection holds only white space. Select words of the text."
    return Selection(source, start, end), ""


@dataclass
class Bench:
    """What the workbench knows when it answers: the source, the working
    talk, the selected passage (or why there is none), and the names the
    text mentions."""

    source: Source
    working: Talk | None = None
    selection: Selection | None = None
    problem: str = ""
    notices: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, source: Source, params) -> "Bench":
        bench = cls(source)
        if working := params.get("working", ""):
            bench.working = Talk.objects.filter(pk=working).first() if working.isdigit() else None
            if bench.working is None:
                bench.notices.append("There is no talk with that key to work on, so none is chosen.")
        bench.selection, bench.problem = read_selection(source, params)
        return bench

    @property
    def text(self) -> str:
        return self.selection.text if self.selection else ""

    @cached_property
    def mentions(self) -> list[Mention]:
        return mentions(self.source.text, known_names())

    def named(self, kind: type[models.Model], nearby: bool = False) -> list[int]:
        """The keys of the records of a kind that the selection names, in
        the order it names them; with nearby, then those its paragraph names."""
        if self.selection is None:
            return []
        spans = [(self.selection.start, self.selection.end)]
        if nearby:
            spans.append(paragraph(self.source.text, self.selection.start, self.selection.end))
        found: dict[int, None] = {}
        for start, end in spans:
            for mention in self.mentions:
                if mention.start < end and mention.end > start:
                    found |= {record.pk: None for record in mention.records if record.kind == kind._meta.model_name}
        return list(found)

    @property
    def year(self) -> int | None:
        """The year a date without one is in: the source's, or the working talk's."""
        for date in (self.source.published_date, self.working.start_date if self.working else None):
            if date:
                return date.year
        return None

    def dates(self) -> list:
        return dates_in(self.text, self.year)

    def says(self, *phrases: str) -> int | None:
        """Where the selection first says any of the phrases (folded), or None."""
        text = f" {fold(self.text)} "
        found = [text.find(f" {phrase} ") for phrase in phrases]
        found = [at for at in found if at >= 0]
        return min(found) if found else None

    def infer(self, words: dict[str, Iterable[str]], default: str = "") -> str:
        """The choice whose words the selection says first: {choice: phrases}."""
        said = {choice: self.says(*phrases) for choice, phrases in words.items()}
        said = {choice: at for choice, at in said.items() if at is not None}
        return min(said, key=said.get) if said else default

    def without(self, kind: type[models.Model]) -> str:
        """The selection without the names of records of a kind it holds."""
        if self.selection is None:
            return ""
        text, (start, end) = self.source.text, (self.selection.start, self.selection.end)
        pieces, position = [], start
        for mention in self.mentions:
            if start <= mention.start and mention.end <= end and kind._meta.model_name in mention.kinds:
                pieces.append(text[position : mention.start])
                position = mention.end
        return "".join([*pieces, text[position:end]])

    def quoted(self) -> str:
        """The words the selection quotes, between quotation marks."""
        match = re.search(r"[\"“„«]([^\"”“„«»]{3,})[\"”»]", self.text)
        return match.group(1).strip() if match else ""


def cite(fact: Cited, selection: Selection, about: Iterable[str] = (), note: str = "") -> Citation:
    citation = Citation(fact=fact, source=selection.source, excerpt=selection.text, about=list(about), note=note)
    citation.full_clean()
    # clean() finds the excerpt's first occurrence; the editor selected this
    # one, whose words are the same.
    citation.start, citation.end = selection.start, selection.end
    citation.save()
    return citation


def validated(record: models.Model, fields: dict[str, str | None]) -> models.Model:
    """The record, once its model's rules pass; else their errors, keyed by
    the form's fields as `fields` maps the model's (None: the whole form)."""
    try:
        record.full_clean()
    except ValidationError as error:
        raise ValidationError(
            {fields.get(name) or NON_FIELD_ERRORS: messages for name, messages in error.message_dict.items()}
        ) from error
    return record
