"""The workbench's forms: each makes one kind of fact, or cites one already
in the record, from the passage the editor selected.

A form is given the Bench (the source, the working talk, the selection and
the names the text mentions). From it the form prefills what the selection
gives (a name, a title, a quote, a date, the party and person it names) and
narrows its pickers to what fits: the working talk's sessions and
delegations, the records the passage names first, a person's own posts.
Every record is saved through its model's full_clean() and save(), so the
model's own rules give the errors and the history records the editor.
"""

import datetime
import re
from collections.abc import Callable, Iterable

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.text import slugify

from ..admin import LookAlikeForm
from ..models import (
    Alias,
    Citation,
    Cited,
    Claim,
    Delegation,
    DelegationMember,
    Milestone,
    Party,
    PartyMembership,
    Person,
    Position,
    Post,
    Process,
    Session,
    Talk,
    Topic,
)
from ..text import fold
from .bench import NAME_LENGTH, Bench, cite, validated


def unique_slug(model: type[models.Model], name: str) -> str:
    base = slugify(name)[:90] or model._meta.model_name
    slug, number = base, 2
    while model._base_manager.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def date_widgets(*names: str) -> dict[str, forms.Widget]:
    return dict.fromkeys(names, DATE)


def offer(
    field: forms.ModelChoiceField,
    records: Iterable[models.Model],
    first: Iterable[int] = (),
    label: Callable[[models.Model], str] = str,
    heading: str = "Named in the passage",
) -> None:
    """What a picker shows: the records, those the passage names first under
    a heading of their own. What it accepts is its queryset's business."""
    records = list(records)
    by_key = {record.pk: record for record in records}
    ahead = [by_key[pk] for pk in first if pk in by_key]
    rest = [record for record in records if record not in ahead]
    choices: list = [("", "—")]
    if ahead:
        choices += [(heading, [(r.pk, label(r)) for r in ahead]), ("Others", [(r.pk, label(r)) for r in rest])]
    else:
        choices += [(r.pk, label(r)) for r in rest]
    field.widget.choices = choices


def talks_latest_first():
    return Talk.objects.order_by(F("start_date").desc(nulls_last=True), "name")


class FactForm(forms.ModelForm):
    """A new fact, and the citation of the selected passage that supports it."""

    about = forms.MultipleChoiceField(
        label="The passage supports",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick nothing when it supports the whole record.",
    )

    # The fields whose choice changes what the others offer: the form is
    # drawn again when one changes.
    refreshes: set[str] = set()
    # The permissions beyond adding the fact and its citation.
    also_adds: tuple[type[models.Model], ...] = ()

    def __init__(self, data=None, *, bench: Bench, refreshing: bool = False):
        self.bench, self.refreshing = bench, refreshing
        if data is not None and refreshing:
            data = data.copy()
        super().__init__(data, initial=None if data is not None else self.prefill(), auto_id="wb-f-%s")
        self.fields["about"].choices = self._meta.model.citable_fields()
        self.narrow()

    @classmethod
    def permissions(cls) -> list[str]:
        models_added = [cls._meta.model, *cls.also_adds, Citation]
        return [f"talks.add_{model._meta.model_name}" for model in models_added]

    def prefill(self) -> dict:
        """What the selection and the working talk give before the editor types."""
        return {}

    def narrow(self) -> None:
        """Narrow the pickers to what fits (after prefill, or the data sent)."""

    def chosen(self, name: str) -> str:
        """What a field holds: what was sent, or before that its prefill."""
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        return "" if value is None else str(getattr(value, "pk", value))

    def suggest(self, name: str, value) -> None:
        """Fill an empty field while the editor is still choosing (refreshing)."""
        if self.is_bound and self.refreshing and not self.data.get(name) and value not in (None, ""):
            self.data[name] = str(getattr(value, "pk", value))

    def short_selection(self) -> str:
        text = " ".join(self.bench.text.split())
        return text if len(text) <= NAME_LENGTH else ""

    def save_cited(self) -> list[models.Model]:
        """Save the fact and cite the passage for it, all or nothing; what
        was made, first the fact."""
        with transaction.atomic():
            fact = self.save()
            cite(fact, self.bench.selection, self.cleaned_data["about"])
        return [fact]


class NamedFactForm(FactForm):
    """A fact with a slug, made from its name."""

    slug_from = "name"

    def save(self, commit=True):
        self.instance.slug = unique_slug(self._meta.model, self.cleaned_data[self.slug_from])
        return super().save(commit)


class Pickers:
    """Pickers that put first what fits: the working talk, and the parties
    and people the passage names."""

    def offer_talks(self, name: str) -> None:
        offer(self.fields[name], talks_latest_first(), [t.pk for t in [self.bench.working] if t], heading="Working")

    def offer_parties(self, name: str, nearby: bool = False) -> None:
        offer(self.fields[name], Party.objects.all(), self.bench.named(Party, nearby))

    def offer_people(self, name: str, nearby: bool = False) -> None:
        offer(self.fields[name], Person.objects.all(), self.bench.named(Person, nearby))

    def named_parties_only(self, name: str, leave_out: str = "") -> None:
        """A set of parties to tick, from those named in or near the passage;
        without any, the field is left out (the record's admin page has it)."""
        keys = [pk for pk in self.bench.named(Party, nearby=True) if str(pk) != leave_out]
        if keys:
            self.fields[name].queryset = Party.objects.filter(pk__in=keys)
        else:
            del self.fields[name]


def status_by(published: datetime.date | None, start: datetime.date | None, end: datetime.date | None) -> str:
    """What a source published on a day could say of talks on those dates."""
    if not (published and start):
        return ""
    if (end or start) < published:
        return Talk.Status.CONCLUDED
    return Talk.Status.UNDER_WAY if start <= published else Talk.Status.PLANNED


class TalkForm(LookAlikeForm, Pickers, NamedFactForm):
    refreshes = {"follows"}

    class Meta:
        model = Talk
        fields = [
            "name",
            "follows",
            "process",
            "status",
            "venue",
            "city",
            "country",
            "start_date",
            "start_precision",
            "start_qualifier",
            "end_date",
            "end_precision",
            "end_qualifier",
            "convened_by",
            "hosted_by",
            "mediated_by",
        ]
        widgets = date_widgets("start_date", "end_date") | dict.fromkeys(
            ["convened_by", "hosted_by", "mediated_by"], forms.CheckboxSelectMultiple
        )
        help_texts = {"follows": "The earlier round, if this is the next: its place and process are copied."}

    def look_alikes(self):
        # A talk that follows another is not that one.
        return [talk for talk in super().look_alikes() if talk != self.cleaned_data.get("follows")]

    def prefill(self):
        dates = self.bench.dates()
        start, end = [*dates, None, None][:2]
        status = status_by(self.bench.source.published_date, start, end)
        return {"name": self.short_selection(), "start_date": start, "end_date": end, "status": status}

    def narrow(self):
        self.offer_talks("follows")
        for name in ("convened_by", "hosted_by", "mediated_by"):
            self.named_parties_only(name)
        if (follows := self.chosen("follows")).isdigit() and (earlier := Talk.objects.filter(pk=follows).first()):
            for name in ("process", "venue", "city", "country"):
                self.suggest(name, getattr(earlier, name))


class SessionForm(Pickers, FactForm):
    KINDS = {
        Session.Kind.CLOSED_DOOR: ["closed door", "closed doors"],
        Session.Kind.PRESS: ["press conference", "news conference"],
        Session.Kind.BILATERAL: ["bilateral"],
        Session.Kind.OPENING: ["opening", "opened", "opens"],
        Session.Kind.PLENARY: ["plenary"],
    }
    # "Not face to face" also says "face to face": the phrase said first wins,
    # and the longer one starts first.
    FORMATS = {
        Session.Format.INDIRECT: ["not face to face", "indirect", "proximity", "only through"],
        Session.Format.FACE_TO_FACE: ["face to face", "one table", "same table", "directly"],
    }
    TITLES = {
        Session.Kind.OPENING: "Opening session",
        Session.Kind.PLENARY: "Plenary session",
        Session.Kind.CLOSED_DOOR: "Closed-door session",
        Session.Kind.BILATERAL: "Bilateral meeting",
        Session.Kind.PRESS: "Press conference",
    }

    class Meta:
        model = Session
        fields = ["talk", "title", "kind", "format", "status", "sequence", "start_date", "start_precision"]
        widgets = date_widgets("start_date")

    def prefill(self):
        bench, talk = self.bench, self.bench.working
        kind = bench.infer(self.KINDS)
        dates = bench.dates()
        initial = {
            "talk": talk,
            "kind": kind,
            "title": self.TITLES.get(kind, ""),
            "format": bench.infer(self.FORMATS),
            "start_date": dates[0] if dates else talk.start_date if talk else None,
        }
        if talk:
            initial["sequence"] = (talk.sessions.aggregate(last=models.Max("sequence"))["last"] or 0) + 1
            if not dates:
                initial["start_precision"] = talk.start_precision
        return initial

    def narrow(self):
        self.offer_talks("talk")


class MilestoneForm(Pickers, NamedFactForm):
    slug_from = "title"
    KINDS = {
        Milestone.Kind.CEASEFIRE: ["ceasefire", "truce"],
        Milestone.Kind.AGREEMENT: ["agreement", "agreed", "deal", "signed"],
        Milestone.Kind.ANNOUNCEMENT: ["announced", "announcement", "said"],
    }

    class Meta:
        model = Milestone
        fields = ["title", "kind", "talk", "date", "date_precision", "date_qualifier", "parties"]
        widgets = date_widgets("date") | {"parties": forms.CheckboxSelectMultiple}

    def prefill(self):
        dates = self.bench.dates()
        return {
            "title": self.short_selection(),
            "kind": self.bench.infer(self.KINDS, Milestone.Kind.OTHER),
            "talk": self.bench.working,
            "date": dates[0] if dates else None,
            "parties": self.bench.named(Party),
        }

    def narrow(self):
        self.offer_talks("talk")
        self.named_parties_only("parties")


ROLES = {
    Delegation.Role.OBSERVER: ["observer", "observers", "observed"],
    Delegation.Role.MEDIATOR: ["mediator", "mediated", "mediating", "mediation"],
    Delegation.Role.HOST: ["host", "hosted", "hosting"],
    Delegation.Role.GUARANTOR: ["guarantor", "guarantors", "convened", "convener", "sponsor", "sponsors"],
}
# A delegation whose party is on one of the talk's lists has the role it says.
ROLE_LISTS = {
    "convened_by": Delegation.Role.GUARANTOR,
    "hosted_by": Delegation.Role.HOST,
    "mediated_by": Delegation.Role.MEDIATOR,
}
MEMBER_ROLES = {
    DelegationMember.Role.SPOKESPERSON: ["spokesperson", "spokesman", "spokeswoman"],
    DelegationMember.Role.DEPUTY: ["deputy"],
    DelegationMember.Role.ADVISER: ["adviser", "advisor", "advisers"],
    DelegationMember.Role.HEAD: ["headed", "head", "led by"],
}


def post_said(bench: Bench, posts: Iterable[Post], parties: Iterable[int] = ()) -> Post | None:
    """The post the passage names by its title, else one at the given parties."""
    posts, parties = list(posts), {pk for pk in parties if pk}
    said = f" {fold(bench.text)} "
    for post in posts:
        if f" {fold(post.title)} " in said:
            return post
    return next((post for post in posts if post.organisation_id in parties), None)


class DelegationForm(Pickers, FactForm):
    """A delegation and, in the same step, its head: the person, and the
    post they sat in (one they hold, or a new one at the delegation's party)."""

    refreshes = {"party", "head_person"}

    head_person = forms.ModelChoiceField(Person.objects.all(), required=False, label="Head of the delegation")
    head_post = forms.ModelChoiceField(
        Post.objects.select_related("organisation"),
        required=False,
        label="The head's post",
        help_text="One the head holds; the list follows the head chosen.",
    )
    head_post_title = forms.CharField(
        max_length=300, required=False, label="Or a new post of the head's, at the delegation's party: its title"
    )

    also_adds = (DelegationMember, Post)

    class Meta:
        model = Delegation
        fields = ["talk", "party", "role", "components", "count_note"]
        widgets = {"components": forms.CheckboxSelectMultiple}

    def prefill(self):
        bench, talk = self.bench, self.bench.working
        seated = set(talk.delegations.values_list("party", flat=True)) if talk else set()
        party = next((pk for pk in bench.named(Party) if pk not in seated), None)
        role = bench.infer(ROLES)
        if not role and talk and party:
            role = next((r for name, r in ROLE_LISTS.items() if getattr(talk, name).filter(pk=party).exists()), "")
        initial = {"talk": talk, "party": party, "role": role or Delegation.Role.NEGOTIATING}
        if person := next(iter(bench.named(Person)), None):
            post = post_said(bench, Post.objects.filter(person=person), [party, *bench.named(Party, nearby=True)])
            initial |= {"head_person": person, "head_post": post}
            if post and post.organisation_id and not party and post.organisation_id not in seated:
                # The passage names the head but not the party: the head's.
                initial["party"] = post.organisation_id
            elif post and party and post.organisation_id != party and post.organisation_id in bench.named(Party):
                # The head sits through a group the passage names: it sat with the party.
                initial["components"] = [post.organisation_id]
        return initial

    def narrow(self):
        self.offer_talks("talk")
        self.offer_parties("party")
        self.offer_people("head_person", nearby=True)
        self.named_parties_only("components", leave_out=self.chosen("party"))
        person = self.chosen("head_person")
        posts = Post.objects.filter(person=person).select_related("organisation") if person.isdigit() else []
        offer(self.fields["head_post"], posts, label=lambda post: post.label)

    def clean(self):
        cleaned_data = super().clean()
        person, post, title = (cleaned_data.get(name) for name in ("head_person", "head_post", "head_post_title"))
        if post and person and post.person_id != person.pk:
            self.add_error("head_post", "Choose a post held by the head.")
        if (post or title) and not person:
            self.add_error("head_person", "Choose the head whose post this is.")
        if post and title:
            self.add_error("head_post_title", "Choose a post the head holds, or give a new one's title, not both.")
        return cleaned_data

    def save_cited(self):
        with transaction.atomic():
            delegation = self.save()
            cite(delegation, self.bench.selection, self.cleaned_data["about"])
            made: list[models.Model] = [delegation]
            if person := self.cleaned_data["head_person"]:
                post = self.cleaned_data["head_post"]
                if title := self.cleaned_data["head_post_title"]:
                    post = Post(person=person, organisation=delegation.party, title=title)
                    validated(post, {"title": "head_post_title"}).save()
                    cite(post, self.bench.selection)
                    made.append(post)
                head = DelegationMember(
                    delegation=delegation, person=person, role=DelegationMember.Role.HEAD, post=post
                )
                validated(head, {"person": "head_person", "post": "head_post"}).save()
                cite(head, self.bench.selection)
                made.insert(1, head)
        return made


def fitting_people(delegation: Delegation):
    """The people who may sit for a delegation (DelegationMember.validate_party):
    those holding a post at a party at its table, and those holding none at any party."""
    at_the_table = delegation.parties_at_the_table().keys()
    elsewhere = Post.objects.filter(organisation__isnull=False).values("person")
    return Person.objects.filter(Q(posts__organisation__in=at_the_table) | ~Q(pk__in=elsewhere)).distinct()


class MemberForm(FactForm):
    refreshes = {"delegation", "person"}

    class Meta:
        model = DelegationMember
        fields = ["delegation", "person", "role", "post", "note"]

    def delegations(self):
        found = Delegation.objects.select_related("party", "talk")
        return found.filter(talk=self.bench.working) if self.bench.working else found

    def prefill(self):
        bench = self.bench
        named = bench.named(Party)
        delegation = next((d for d in self.delegations() if d.party_id in named), None)
        people = bench.named(Person)
        if delegation:
            fits = set(fitting_people(delegation).filter(pk__in=people).values_list("pk", flat=True))
            people = [pk for pk in people if pk in fits]
        person = next(iter(people), None)
        tables = delegation.parties_at_the_table().keys() if delegation else named
        post = post_said(bench, Post.objects.filter(person=person), tables) if person else None
        role = bench.infer(MEMBER_ROLES, DelegationMember.Role.MEMBER)
        return {"delegation": delegation, "person": person, "post": post, "role": role}

    def narrow(self):
        delegations = list(self.delegations())
        offer(self.fields["delegation"], delegations, label=lambda d: f"{d.party} ({d.get_role_display()}), {d.talk}")
        chosen = self.chosen("delegation")
        delegation = next((d for d in delegations if str(d.pk) == chosen), None)
        # Shown: who may sit for the delegation. Accepted: anyone, so that a
        # member from another party meets validate_party's message, which says why.
        people = fitting_people(delegation) if delegation else Person.objects.all()
        offer(self.fields["person"], people, self.bench.named(Person, nearby=True))
        person = self.chosen("person")
        posts = (
            Post.objects.filter(person=person).select_related("organisation")
            if person.isdigit()
            else Post.objects.none()
        )
        if delegation:
            at_the_table = delegation.parties_at_the_table().keys()
            posts = posts.filter(Q(organisation__in=at_the_table) | Q(organisation__isnull=True))
        offer(self.fields["post"], posts, label=lambda post: post.label)


class PostForm(Pickers, FactForm):
    class Meta:
        model = Post
        fields = [
            "person",
            "title",
            "organisation",
            "start_date",
            "start_precision",
            "end_date",
            "end_precision",
            "former",
        ]
        widgets = date_widgets("start_date", "end_date")

    def prefill(self):
        bench = self.bench
        # The title is what the passage says besides the person's name.
        title = " ".join(bench.without(Person).split()).strip(" ,;:.\u2013\u2014-")
        title = re.sub(r"^(the|its|his|her|their)\s+", "", title, flags=re.IGNORECASE)
        person, party = (next(iter(bench.named(kind, nearby=True)), None) for kind in (Person, Party))
        return {"person": person, "organisation": party, "title": title[:300] if len(title) <= 2 * NAME_LENGTH else ""}

    def narrow(self):
        self.offer_people("person", nearby=True)
        self.offer_parties("organisation", nearby=True)


STANCES = {
    Position.Stance.DEMANDS: ["demands", "demanded", "demand", "insists", "insisted", "insistent", "must"],
    Position.Stance.OPPOSES: ["opposes", "opposed", "rejects", "rejected", "refuses", "refused", "shot down"],
    Position.Stance.PROPOSES: ["proposes", "proposed", "proposal", "suggested"],
    Position.Stance.SUPPORTS: ["supports", "supported", "wants", "wanted", "backs", "backed", "welcomed", "bolstering"],
}


class PositionForm(Pickers, FactForm):
    refreshes = {"talk"}

    new_topic = forms.CharField(max_length=100, required=False, label="Or a new topic")

    field_order = ["talk", "session", "party", "speaker", "topic", "new_topic"]

    also_adds = (Topic,)

    class Meta:
        model = Position
        fields = [
            "talk",
            "session",
            "party",
            "speaker",
            "topic",
            "new_topic",
            "stance",
            "summary",
            "quote",
            "date",
            "date_precision",
        ]
        widgets = date_widgets("date") | {"quote": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].required = False

    def prefill(self):
        bench = self.bench
        said = f" {fold(bench.text)} "
        topic = next((t for t in Topic.objects.all() if f" {fold(t.name)} " in said), None)
        dates = bench.dates()
        return {
            "talk": bench.working,
            "party": next(iter(bench.named(Party)), None),
            "speaker": next(iter(bench.named(Person)), None),
            "topic": topic,
            "stance": bench.infer(STANCES, Position.Stance.STATES),
            "quote": bench.quoted(),
            "date": dates[0] if dates else None,
        }

    def narrow(self):
        self.offer_talks("talk")
        talk = self.chosen("talk")
        offer(
            self.fields["session"], Session.objects.filter(talk=talk) if talk.isdigit() else [], label=lambda s: s.title
        )
        self.offer_parties("party", nearby=True)
        self.offer_people("speaker", nearby=True)

    def clean(self):
        cleaned_data = super().clean()
        topic, new_topic = cleaned_data.get("topic"), cleaned_data.get("new_topic")
        if not topic and not new_topic:
            self.add_error("topic", "Choose the topic, or name a new one.")
        elif topic and new_topic:
            self.add_error("new_topic", "Choose a topic or name a new one, not both.")
        return cleaned_data

    def save_cited(self):
        with transaction.atomic():
            made: list[models.Model] = []
            if name := self.cleaned_data["new_topic"]:
                topic = Topic.objects.filter(name__iexact=name).first()
                if topic is None:
                    topic = validated(Topic(name=name, slug=unique_slug(Topic, name)), {"name": "new_topic"})
                    topic.save()
                    cite(topic, self.bench.selection)
                    made.append(topic)
                self.instance.topic = topic
            position = self.save()
            cite(position, self.bench.selection, self.cleaned_data["about"])
        return [position, *made]


class ClaimForm(Pickers, FactForm):
    refreshes = {"subject"}

    class Meta:
        model = Claim
        fields = ["subject", "statement", "held_by"]
        widgets = {"held_by": forms.CheckboxSelectMultiple}

    def prefill(self):
        subject, *others = self.bench.named(Party) or [None]
        return {"subject": subject, "held_by": others}

    def narrow(self):
        self.offer_parties("subject", nearby=True)
        self.named_parties_only("held_by", leave_out=self.chosen("subject"))


class AliasForm(FactForm):
    of = forms.ChoiceField(label="Another name of")

    field_order = ["of", "name", "kind", "language"]

    class Meta:
        model = Alias
        fields = ["name", "kind", "language"]

    def prefill(self):
        name = self.short_selection()
        for model in (Party, Person, Talk):
            if name and (record := model.objects.resembling(name).first()):
                return {"name": name, "of": f"{model._meta.model_name}-{record.pk}"}
        return {"name": name}

    def narrow(self):
        self.fields["of"].choices = [("", "—")] + [
            (
                model._meta.verbose_name_plural.capitalize(),
                [(f"{model._meta.model_name}-{r.pk}", r.name) for r in records],
            )
            for model, records in (
                (Party, Party.objects.all()),
                (Person, Person.objects.all()),
                (Talk, talks_latest_first()),
            )
        ]

    def clean(self):
        cleaned_data = super().clean()
        kind, _, pk = cleaned_data.get("of", "").partition("-")
        model = {m._meta.model_name: m for m in (Party, Person, Talk)}.get(kind)
        record = model.objects.filter(pk=pk).first() if model and pk.isdigit() else None
        if record is None:
            self.add_error("of", "Choose the party, person or talk this is another name of.")
            return cleaned_data
        self.instance.content_type = ContentType.objects.get_for_model(model)
        self.instance.object_id = record.pk
        if Alias.objects.filter(
            content_type=self.instance.content_type, object_id=record.pk, name=cleaned_data.get("name", "")
        ).exists():
            self.add_error("name", f"{record} already has that name.")
        return cleaned_data


class PartyForm(LookAlikeForm, NamedFactForm):
    class Meta:
        model = Party
        fields = ["name", "kind", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def prefill(self):
        return {"name": self.short_selection()}


class PersonForm(LookAlikeForm, NamedFactForm):
    class Meta:
        model = Person
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def prefill(self):
        return {"name": self.short_selection()}


# Each kind of fact the workbench makes, with its button's words: first those
# of a round of talks, in the order a round is entered.
MAKERS: dict[str, tuple[type[FactForm], str]] = {
    "talk": (TalkForm, "Talk"),
    "session": (SessionForm, "Session"),
    "delegation": (DelegationForm, "Delegation and head"),
    "delegationmember": (MemberForm, "Member"),
    "position": (PositionForm, "Position"),
    "milestone": (MilestoneForm, "Milestone"),
    "post": (PostForm, "Post"),
    "claim": (ClaimForm, "Claim"),
    "alias": (AliasForm, "Other name"),
    "party": (PartyForm, "Party"),
    "person": (PersonForm, "Person"),
}
ROUND = ["talk", "session", "delegation", "delegationmember", "position"]


# Citing a fact already in the record: the kinds, and the records of each a
# picker offers (those of the working talk, or those the passage names, first).
def citable_kinds() -> dict[str, type[Cited]]:
    return {
        model._meta.model_name: model
        for model in (
            Talk,
            Session,
            Delegation,
            DelegationMember,
            Position,
            Milestone,
            Party,
            Person,
            Post,
            Claim,
            Alias,
            Topic,
            Process,
            PartyMembership,
        )
    }


def citable_records(model: type[Cited], bench: Bench) -> tuple[models.QuerySet, list[int]]:
    """The records of a kind a picker offers, and those to put first. Of the
    kinds a talk has, only the working talk's (when there is one)."""
    talk = bench.working
    if model is Talk:
        return talks_latest_first(), [*([talk.pk] if talk else []), *bench.named(Talk)]
    if model is Session:
        found = Session.objects.select_related("talk")
        return (found.filter(talk=talk) if talk else found), []
    if model is Delegation:
        found = Delegation.objects.select_related("party", "talk")
        return (found.filter(talk=talk) if talk else found), []
    if model is DelegationMember:
        found = DelegationMember.objects.select_related("person", "delegation__party", "delegation__talk")
        return (found.filter(delegation__talk=talk) if talk else found), []
    if model is Position:
        found = Position.objects.select_related("party", "topic", "talk")
        return (found.filter(talk=talk) if talk else found), []
    if model is Milestone:
        return Milestone.objects.all(), list(talk.milestones.values_list("pk", flat=True)) if talk else []
    if model in (Party, Person):
        return model.objects.all(), bench.named(model, nearby=True)
    if model is Post:
        people = bench.named(Person, nearby=True)
        found = Post.objects.select_related("person", "organisation")
        return found, list(found.filter(person__in=people).values_list("pk", flat=True))
    if model is Claim:
        found = Claim.objects.select_related("subject")
        return found, list(found.filter(subject__in=bench.named(Party)).values_list("pk", flat=True))
    if model is Alias:
        return Alias.objects.all(), []
    if model is PartyMembership:
        return PartyMembership.objects.select_related("member", "organisation"), []
    return model.objects.all(), []


class CiteForm(forms.Form):
    """The selected passage, cited for a fact already in the record, for the
    fields of it that the passage supports."""

    refreshes = {"fact_kind"}

    fact_kind = forms.ChoiceField(label="Kind of record")
    record = forms.ChoiceField(label="Record")
    about = forms.MultipleChoiceField(
        label="The passage supports",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick nothing when it supports the whole record.",
    )
    note = forms.CharField(
        label="Editor's note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown to readers beside the passage; leave it empty unless they need it.",
    )

    def __init__(self, data=None, *, bench: Bench, refreshing: bool = False):
        self.bench, self.refreshing = bench, refreshing
        self.kinds = citable_kinds()
        kind = "talk" if bench.working else "party"
        super().__init__(data, initial=None if data is not None else {"fact_kind": kind}, auto_id="wb-f-%s")
        self.fields["fact_kind"].choices = [(name, m._meta.verbose_name.capitalize()) for name, m in self.kinds.items()]
        chosen = self.data.get("fact_kind") if self.is_bound else self.initial.get("fact_kind")
        self.model = self.kinds.get(chosen, self.kinds[kind])
        self.records, first = citable_records(self.model, bench)
        records = list(self.records)
        by_key = {record.pk: record for record in records}
        ahead = [by_key[pk] for pk in first if pk in by_key]
        options = [(record.pk, str(record)) for record in ahead]
        rest = [(record.pk, str(record)) for record in records if record not in ahead]
        heading = "The working talk's" if self.model is Talk and bench.working else "Named in the passage"
        self.fields["record"].choices = [("", "—")] + ([(heading, options), ("Others", rest)] if options else rest)
        if not self.is_bound and ahead:
            self.initial["record"] = ahead[0].pk
        self.fields["about"].choices = self.model.citable_fields()

    @classmethod
    def permissions(cls) -> list[str]:
        return ["talks.add_citation"]

    def clean_record(self):
        value = self.cleaned_data["record"]
        record = self.model.objects.filter(pk=value).first() if value.isdigit() else None
        if record is None:
            raise ValidationError("Choose a record of this kind.")
        return record

    def save_cited(self) -> list[models.Model]:
        record = self.cleaned_data["record"]
        with transaction.atomic():
            cite(record, self.bench.selection, self.cleaned_data["about"], self.cleaned_data["note"])
        return [record]


def make_form(panel: str, bench: Bench, data=None, refreshing: bool = False) -> FactForm | CiteForm:
    form_class = CiteForm if panel == "cite" else MAKERS[panel][0]
    return form_class(data, bench=bench, refreshing=refreshing)
