"""Read and cite: a source's text in the admin, where selecting a passage
cites it for a fact, or makes the fact and cites it, and where a round of
talks (the talk, its sessions, delegations with their heads and members,
positions) is entered in one place.

One view answers every request of the page. Its state is in the URL: the
working talk (?working=), the selection (?start=&end=, or ?find= for its
words) and the form in the side panel (?panel=). An htmx request renders
only the part of the page it targets (a partial of the same template); a
save answers with the panel, and the text, the round and the working talk
swapped out of band, so that the new highlight shows at once.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Model, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import replace_url
from django_htmx.middleware import HtmxDetails

from ..models import Delegation, DelegationMember, Position, Session, Source, Talk
from .bench import Bench
from .forms import MAKERS, ROUND, CiteForm, make_form, talks_latest_first
from .health import admin_url
from .reading import layout, passages


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


TEMPLATE = "admin/talks/workbench.html"
# The element an htmx request targets, and the partial that renders it.
PARTIALS = {"wb-form": "panel", "wb-selection": "selection"}


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
def read_and_cite(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    if not request.user.has_perm("talks.view_source"):
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    bench = Bench.read(source, params)
    panel = params.get("panel", "")
    if panel and panel != "cite" and panel not in MAKERS:
        if request.method == "POST":
            return HttpResponseBadRequest("There is no such form on the workbench.")
        bench.notices.append("There is no such form on the workbench, so none is shown.")
        panel = ""
    if panel and not request.user.has_perms(permissions(panel)):
        raise PermissionDenied
    if request.method == "POST":
        if not panel:
            return HttpResponseBadRequest("Say what to make or cite (panel).")
        return save(request, bench, panel)
    refreshing = "refresh" in params
    form = make_form(panel, bench, params if refreshing else None, refreshing) if panel else None
    return respond(request, bench, panel, form)


def permissions(panel: str) -> list[str]:
    return CiteForm.permissions() if panel == "cite" else MAKERS[panel][0].permissions()


def save(request: HtmxHttpRequest, bench: Bench, panel: str) -> HttpResponse:
    """Make (or cite) the fact, all or nothing: every error is the form's."""
    form = make_form(panel, bench, request.POST)
    valid = form.is_valid()
    if bench.selection is None:
        form.add_error(None, bench.problem or "Select the passage that supports it first: in the text, or with Find.")
        valid = False
    made: list[Model] = []
    if valid:
        try:
            made = form.save_cited()
        except ValidationError as error:
            if hasattr(error, "error_dict") and not error.error_dict.keys() <= {*form.fields, NON_FIELD_ERRORS}:
                error = ValidationError(error.messages)
            form.add_error(None, error)
        except IntegrityError:
            form.add_error(
                None,
                "The database refused this, most likely because another editor has just saved the same record. "
                "Nothing was saved: reload the page and look again.",
            )
    if not made:
        return respond(request, bench, panel, form)
    if isinstance(made[0], Talk):
        bench.working = made[0]
    done = [(record._meta.verbose_name, str(record), admin_url(record), record.get_absolute_url()) for record in made]
    if not request.htmx:
        messages.success(request, "Saved and cited: " + "; ".join(f"{kind} “{name}”" for kind, name, *_ in done))
        return redirect(page_url(bench))
    context = panel_context(request, bench, "", None) | text_context(bench)
    context |= {"done": done, "cited": panel == "cite", "talks": talks_latest_first()}
    response = render(request, "admin/talks/workbench_saved.html", context)
    return replace_url(response, page_url(bench))


def respond(request: HtmxHttpRequest, bench: Bench, panel: str, form) -> HttpResponse:
    context = panel_context(request, bench, panel, form)
    if request.htmx and (partial := PARTIALS.get(request.htmx.target or "")):
        return render(request, f"{TEMPLATE}#{partial}", context)
    source = bench.source
    context |= admin.site.each_context(request) | text_context(bench)
    context |= {
        "title": f"Read and cite: {source.title}",
        "subtitle": None,
        "opts": Source._meta,
        "original": source,
        "talks": talks_latest_first(),
        # The text and the panel need the width the admin's sidebar would take.
        "is_nav_sidebar_enabled": False,
    }
    return render(request, TEMPLATE, context)


def page_url(bench: Bench) -> str:
    state = {"working": bench.working.pk if bench.working else ""}
    if bench.selection:
        state |= {"start": bench.selection.start, "end": bench.selection.end}
    return reverse("admin:talks_source_workbench", args=[bench.source.pk]) + "?" + urlencode(state)


def panel_context(request: HtmxHttpRequest, bench: Bench, panel: str, form) -> dict:
    """What the selection form, the side panel and the round need."""
    allowed = [(kind, label) for kind, (maker, label) in MAKERS.items() if request.user.has_perms(maker.permissions())]
    return {
        "bench": bench,
        "source": bench.source,
        "working": bench.working,
        "selection": bench.selection,
        "url": reverse("admin:talks_source_workbench", args=[bench.source.pk]),
        "panel": panel,
        "panel_label": "Cite it for a record" if panel == "cite" else MAKERS[panel][1] if panel else "",
        "form": form,
        "round_kinds": [(kind, label) for kind, label in allowed if kind in ROUND],
        "more_kinds": [(kind, label) for kind, label in allowed if kind not in ROUND],
        "can_cite": request.user.has_perms(CiteForm.permissions()),
        "round": round_of(bench.working),
    }


def text_context(bench: Bench) -> dict:
    """The text cut into chunks, cited passages with the facts they
    support and the names it mentions: a fixed number of queries, however
    many citations the source has."""
    text = bench.source.text
    cited = passages(text, list(bench.source.citations.with_facts()))
    for passage in cited:
        facts = {}
        for citation in passage.citations:
            if (fact := citation.fact) is not None:
                kind = citation.fact_model._meta.verbose_name
                facts[kind, fact.pk] = (kind, str(fact), admin_url(fact))
        passage.facts = list(facts.values())
    return {"pieces": layout(text, cited, bench.mentions), "length": len(text), "passage_count": len(cited)}


def round_of(talk: Talk | None) -> dict:
    """The working talk's round so far, each part marked when it is still a
    draft (no citation), and what to enter next."""
    if talk is None:
        return {"next": "Select the passage that says when and where the talks met, and press Talk."}
    sessions = list(talk.sessions.annotate(sourced=Session.objects.sourced()))
    members = DelegationMember.objects.select_related("person").filter(role=DelegationMember.Role.HEAD)
    delegations = list(
        talk.delegations.annotate(sourced=Delegation.objects.sourced())
        .select_related("party")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="heads"))
    )
    positions = list(talk.positions.annotate(sourced=Position.objects.sourced()).select_related("party", "topic"))
    headless = [delegation.party.name for delegation in delegations if not delegation.heads]
    if not sessions:
        step = "Select the passage that tells of a session, and press Session."
    elif not delegations:
        step = "Select the passage that names a delegation and its head, and press Delegation and head."
    elif headless:
        step = f"No head yet for {', '.join(headless)}: select the passage that names one, and press Member."
    elif not positions:
        step = "Select what a side said it wants, and press Position."
    else:
        step = "Add members and more positions, or another round: select its passage and press Talk."
    return {"sessions": sessions, "delegations": delegations, "positions": positions, "next": step}
