"""The source documents: the list, and each one's text with every cited
passage marked and linked to the facts it supports."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..models import Citation, Source
from ..text import find_excerpt
from .browse import paginate


@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, Source.objects.all())
    return render(request, "talks/source_list.html", {"sources": page.object_list, "page": page})


@dataclass
class Passage:
    number: int
    start: int
    end: int
    citations: list[Citation]


def passages_of(source: Source, citations: list[Citation]) -> tuple[list, list[Passage]]:
    """The source's text cut into plain stretches and cited passages, each
    passage with the citations that quote it. Overlapping excerpts are
    merged into one passage."""
    spans = []
    for citation in citations:
        if found := find_excerpt(source.text, citation.excerpt):
            spans.append((*found, citation))
    spans.sort(key=lambda span: (span[0], -span[1]))
    passages: list[Passage] = []
    for start, end, citation in spans:
        if passages and start < passages[-1].end:
            passages[-1].end = max(passages[-1].end, end)
            passages[-1].citations.append(citation)
        else:
            passages.append(Passage(len(passages) + 1, start, end, [citation]))
    pieces, position = [], 0
    for passage in passages:
        pieces.append((source.text[position : passage.start], None))
        pieces.append((source.text[passage.start : passage.end], passage))
        position = passage.end
    pieces.append((source.text[position:], None))
    return pieces, passages


@require_safe
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    pieces, passages = passages_of(source, list(source.citations.with_facts()))
    return render(request, "talks/source_detail.html", {"source": source, "pieces": pieces, "passages": passages})
