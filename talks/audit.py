"""The record's health: what a reader must never see, found in the whole
record at once. `manage.py check_record` prints it (and fails when it finds
anything), and the admin shows it to editors."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from .dates import DateQualifier
from .models import Citation, Cited, Delegation, Session, Source, Talk
from .text import comparable, occurs_in

UNSURE = {DateQualifier.EXPECTED, DateQualifier.PLANNED}


@dataclass(frozen=True)
class Problem:
    kind: str
    record: Model | None
    message: str

    @property
    def label(self) -> str:
        if self.record is None:
            return ""
        return f"{self.record._meta.verbose_name} “{self.record}” (pk {self.record.pk})"

    def __str__(self) -> str:
        return f"{self.kind}: {self.label}: {self.message}" if self.record else f"{self.kind}: {self.message}"


KINDS = {
    "unsourced": "Facts with neither a citation nor an editor's note",
    "excerpt": "Excerpts that do not occur in their source",
    "citation": "Citations on nothing a reader can see",
    "status": "Statuses that contradict their dates",
    "roles": "Delegation roles that disagree with the talk's conveners, hosts and mediators",
}


def cited_models() -> list[type[Cited]]:
    return [model for model in apps.get_app_config("talks").get_models() if issubclass(model, Cited)]


def problems() -> list[Problem]:
    """Everything wrong with the record, in the order of KINDS."""
    return [*unsourced(), *citations(), *statuses(), *roles()]


def unsourced() -> Iterator[Problem]:
    for model in cited_models():
        cited = Citation.objects.filter(content_type=ContentType.objects.get_for_model(model)).values("object_id")
        for record in model.objects.exclude(pk__in=cited):
            yield Problem("unsourced", record, "it has no citation and no editor's note")


def citations() -> Iterator[Problem]:
    """Excerpts missing from their source; citations of a kind of record that
    cannot carry one, or of a record that is gone; about a field the record
    does not have."""
    citable = {ContentType.objects.get_for_model(model).pk: model for model in cited_models()}
    by_kind = defaultdict(set)
    everything = list(Citation.objects.select_related("content_type"))
    # Each source's text read and made comparable once, not once a citation:
    # at scale 1,000 (140,000 citations of long texts) that took minutes.
    sources = {source.pk: (source, comparable(source.text)) for source in Source.objects.all()}

    for citation in everything:
        by_kind[citation.content_type_id].add(citation.object_id)
    existing = {
        kind: set(citable[kind]._base_manager.filter(pk__in=pks).values_list("pk", flat=True))
        for kind, pks in by_kind.items()
        if kind in citable
    }
    for citation in everything:
        model = citable.get(citation.content_type_id)
        if model is None:
            yield Problem("citation", citation, f"a {citation.content_type.name} cannot carry a citation")
        elif citation.object_id not in existing[citation.content_type_id]:
            yield Problem("citation", citation, f"it cites {model._meta.verbose_name} pk {citation.object_id}, gone")
        elif unknown := set(citation.about) - dict(model.citable_fields()).keys():
            yield Problem(
                "citation",
                citation,
                f"it is about {', '.join(sorted(unknown))}, which a {model._meta.verbose_name} does not have",
            )
        if citation.source_id:
            source, text = sources[citation.source_id]
            if not occurs_in(text, citation.excerpt):
                yield Problem("excerpt", citation, f"the excerpt does not occur in the text of “{source}”")


def statuses() -> Iterator[Problem]:
    """A talk or session said to have happened whose dates are still only
    expected or planned."""
    for talk in Talk.objects.filter(status__in=[Talk.Status.CONCLUDED, Talk.Status.UNDER_WAY]):
        dates = [("start", talk.start)] + ([("end", talk.end)] if talk.status == Talk.Status.CONCLUDED else [])
        for which, date in dates:
            if date.qualifier in UNSURE:
                yield Problem("status", talk, f"it is {talk.get_status_display()}, but its {which} date is {date}")
    for session in Session.objects.filter(status=Session.Status.HELD).select_related("talk"):
        for which, date in (("start", session.start), ("end", session.end)):
            if date.qualifier in UNSURE:
                yield Problem("status", session, f"it was held, but its {which} date is {date}")


# A delegation's role, and the list of the talk's that says the same of its party.
ROLE_LISTS = {
    Delegation.Role.GUARANTOR: "convened_by",
    Delegation.Role.HOST: "hosted_by",
    Delegation.Role.MEDIATOR: "mediated_by",
}


def roles() -> Iterator[Problem]:
    """A delegation whose role says its party convened, hosted or mediated
    the talk while the talk's list leaves it out, and a party on such a list
    whose delegation has another role."""
    talks = Talk.objects.prefetch_related("convened_by", "hosted_by", "mediated_by", "delegations__party")
    for talk in talks:
        listed = {name: {party.pk for party in getattr(talk, name).all()} for name in ROLE_LISTS.values()}
        for delegation in talk.delegations.all():
            for role, name in ROLE_LISTS.items():
                field = Talk._meta.get_field(name).verbose_name
                role_label, party = delegation.get_role_display(), delegation.party
                if delegation.role == role and delegation.party_id not in listed[name]:
                    yield Problem("roles", delegation, f"its role is {role_label}, but “{field}” leaves out {party}")
                if delegation.role != role and delegation.party_id in listed[name]:
                    yield Problem(
                        "roles", delegation, f"“{field}” lists {party}, but its delegation's role is {role_label}"
                    )
