"""Parley's record of negotiations, after Popolo: parties, people and the
posts they hold; talks, their sessions and the delegations at the table;
what each side said it wanted; and, on every fact, the passage of the source
it comes from."""

import functools
import re
import uuid
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import NamedTuple
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from .dates import PartialDate, precision_field, qualifier_field, truncate
from .names import direction
from .text import find_excerpt, fold, where_it_differs


def end_not_before_start(prefix: str = "") -> models.CheckConstraint:
    start, end = f"{prefix}start_date", f"{prefix}end_date"
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{start}__isnull": True}) | Q(**{f"{end}__gte": F(start)}),
        name="%(app_label)s_%(class)s_end_not_before_start",
        violation_error_message="The end date cannot be before the start date.",
    )


# Where cited() puts the citations it fetches with each record.
PREFETCHED_CITATIONS = "prefetched_citations"


SLUG = re.compile(r"[-a-zA-Z0-9_]+")
SLUG_PLACEHOLDER = "parley-slug"


@functools.lru_cache(maxsize=64)
def _around_slug(name: str, prefix: str, urlconf: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[SLUG_PLACEHOLDER]).partition(SLUG_PLACEHOLDER)
    return head, tail


def slug_url(name: str, slug: str) -> str:
    """reverse(name, args=[slug]) for an address whose one argument is a
    slug: the same address, from the parts around the slug, found once. A
    timeline page links 1,700 parties at scale 1,000, and reverse() took
    about 30 µs each, a third of the page's time. (A slug's characters
    need no quoting; anything else goes through reverse().)"""
    if not SLUG.fullmatch(slug):
        return reverse(name, args=[slug])
    head, tail = _around_slug(name, get_script_prefix(), settings.ROOT_URLCONF)
    return f"{head}{slug}{tail}"


class ContentTypeKey(models.Expression):
    """A model's content type key, looked up as the query is compiled (from
    ContentTypeManager's cache, as Django's generic relations do), not as it
    is built: querysets are built at import time (the filter forms' fields).
    A constant, not a subquery, so that the EXISTS of sourced() reads the
    citations' (content type, object) index alone, and PostgreSQL plans it
    without a sub-plan of its own."""

    output_field = models.PositiveIntegerField()

    def __init__(self, model: type[models.Model]):
        super().__init__()
        self.model = model

    def as_sql(self, compiler, connection):
        return "%s", [ContentType.objects.get_for_model(self.model).pk]


class CitedQuerySet(models.QuerySet):
    def sourced(self, key: str = "pk") -> Exists:
        """Whether a record has a citation (a passage, or an editor's note):
        the record whose key is `key` of the rows filtered (a link table's
        `party_id`, say, to keep the links to published parties)."""
        return Exists(Citation.objects.filter(content_type=ContentTypeKey(self.model), object_id=OuterRef(key)))

    def published(self):
        """What readers may see: the records that have a citation. A record
        with neither a passage nor an editor's note is a draft, seen only in
        the admin (under "Needs a source")."""
        return self.filter(self.sourced())

    def drafts(self):
        return self.filter(~self.sourced())

    def cited(self):
        """With each record's citations and their sources: every page that
        shows a fact shows where it comes from."""
        # Not the sources' texts: a page shows their titles, and each text is long.
        citations = Citation.objects.select_related("source").defer("source__text")
        # As a plain list (read by Cited.cited_list): kept as the relation's
        # cache instead, Django builds a filtered queryset for every record,
        # a third of the time a talk's page with 200 cited records took.
        return self.prefetch_related(Prefetch("citations", queryset=citations, to_attr=PREFETCHED_CITATIONS))


class Cited(models.Model):
    """A fact that carries its citations."""

    citations = GenericRelation("talks.Citation")

    objects = CitedQuerySet.as_manager()
    # Every change kept, with who made it and when; the many-to-many fields a
    # kind of fact names in _history_m2m_fields are kept with it.
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    @classmethod
    def citable_fields(cls) -> list[tuple[str, str]]:
        """What a citation of this kind of fact can be about, as (name,
        label) pairs: every field a reader sees. Not the record's own
        machinery (its id, slug and folded name, the link behind a generic
        relation), and not a date's precision and qualifier, which go with
        the date they qualify."""
        generic = {
            name
            for field in cls._meta.private_fields
            if isinstance(field, GenericForeignKey)
            for name in (field.ct_field, field.fk_field)
        }
        return [
            (field.name, str(field.verbose_name))
            for field in [*cls._meta.fields, *cls._meta.many_to_many]
            if field.editable
            and not field.primary_key
            and field.name != "slug"
            and field.name not in generic
            and not field.name.endswith(("_precision", "_qualifier"))
        ]

    def last_changed(self):
        """When the record was last added, changed or reverted, from its
        history; None before its first entry."""
        return self.history.order_by("-history_date").values_list("history_date", flat=True).first()

    def cited_list(self) -> list["Citation"]:
        """The fact's citations: those cited() fetched with it, else a query."""
        prefetched = getattr(self, PREFETCHED_CITATIONS, None)
        return prefetched if prefetched is not None else list(self.citations.all())

    def citations_about(self, fields: Iterable[str] = (), whole: bool = False) -> list["Citation"]:
        """The citations about any of the fields and, with whole, those about
        the fact as a whole; given neither, all of them. Uses the prefetched
        citations."""
        wanted = set(fields)
        every = self.cited_list()
        if not wanted and not whole:
            return list(every)
        return [c for c in every if wanted.intersection(c.about) or (whole and not c.about)]


def clean_dates(record) -> None:
    """A start and an end stored as their precision says (a month as its
    first day), and never the end before the start: a fact's dates, and an
    other name's."""
    if record.start_date:
        record.start_date = truncate(record.start_date, record.start_precision)
    if record.end_date:
        record.end_date = truncate(record.end_date, record.end_precision)
    if record.start_date and record.end_date and record.end_date < record.start_date:
        raise ValidationError({"end_date": "The end date cannot be before the start date."})


class Span(models.Model):
    """From a start to an end, each a partial date: a fact's dates, and a
    timeline entry's."""

    start_date = models.DateField(null=True, blank=True)
    start_precision = precision_field("start")
    start_qualifier = qualifier_field("start")
    end_date = models.DateField(null=True, blank=True)
    end_precision = precision_field("end")
    end_qualifier = qualifier_field("end")

    class Meta:
        abstract = True

    @property
    def start(self) -> PartialDate:
        return PartialDate(self.start_date, self.start_precision, self.start_qualifier)

    @property
    def end(self) -> PartialDate:
        return PartialDate(self.end_date, self.end_precision, self.end_qualifier)


class StartEnd(Span, Cited):
    """A fact that runs from a start to an end, each a partial date."""

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        clean_dates(self)


class Source(models.Model):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    author = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_date = models.DateField(null=True, blank=True)
    published_precision = precision_field("publication date")
    url = models.URLField("URL", max_length=500, blank=True)
    text = models.TextField(help_text="The full text. Citations quote from it, so change it with care.")
    note = models.TextField(
        "editor's note",
        blank=True,
        help_text="What a reader should know about this source, e.g. that it gives no date or publisher.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return slug_url("source", self.slug)

    @property
    def published(self) -> PartialDate:
        return PartialDate(self.published_date, self.published_precision)

    def contains(self, excerpt: str) -> bool:
        """Whether the excerpt is a passage of the text (see find_excerpt)."""
        return find_excerpt(self.text, excerpt) is not None

    def clean(self):
        super().clean()
        stored = Source.objects.filter(pk=self.pk).values_list("text", flat=True).first() if self.pk else None
        if stored is None or stored == self.text:
            return
        orphaned = [c for c in self.citations.all() if find_excerpt(self.text, c.excerpt) is None]
        if orphaned:
            listed = "; ".join(f"“{c.excerpt[:80]}” ({c.fact_label()})" for c in orphaned[:10])
            more = f" and {len(orphaned) - 10} more" if len(orphaned) > 10 else ""
            raise ValidationError(
                {
                    "text": (
                        f"This change would leave {len(orphaned)} citation(s) quoting words the text no longer has: "
                        f"{listed}{more}. Keep those passages, or change or delete the citations first."
                    )
                }
            )

    def last_changed(self):
        return self.history.order_by("-history_date").values_list("history_date", flat=True).first()

    def anchor_citations(self) -> None:
        """Find each citation's passage again in the text as it now stands
        (a change elsewhere in the text moves it), in the text's own characters."""
        for citation in self.citations.all():
            if span := find_excerpt(self.text, citation.excerpt):
                excerpt = self.text[span[0] : span[1]]
                if (citation.start, citation.end, citation.excerpt) != (*span, excerpt):
                    Citation.objects.filter(pk=citation.pk).update(start=span[0], end=span[1], excerpt=excerpt)


class CitationQuerySet(models.QuerySet):
    def with_facts(self):
        """With the fact each citation supports, and what each kind of fact
        needs for its name and address, in a fixed number of queries. (A fact
        a citation supports is never a draft: it has that citation.)"""
        querysets = [
            Alias.objects.prefetch_related("named"),
            Claim.objects.select_related("subject"),
            Delegation.objects.select_related("party", "talk"),
            DelegationMember.objects.select_related("person", "delegation__party", "delegation__talk"),
            Milestone.objects.all(),
            Party.objects.all(),
            PartyMembership.objects.select_related("member", "organisation"),
            Person.objects.all(),
            Place.objects.all(),
            Position.objects.select_related("party", "topic", "talk"),
            Post.objects.select_related("person", "organisation"),
            Process.objects.all(),
            Session.objects.select_related("talk"),
            Talk.objects.all(),
            Topic.objects.all(),
        ]
        return self.select_related("content_type", "source").prefetch_related(GenericPrefetch("fact", querysets))


def cited_kinds() -> Q:
    """The content types of the records that carry citations."""
    kinds = [model for model in apps.get_app_config("talks").get_models() if issubclass(model, Cited)]
    return Q(app_label="talks", model__in=[model._meta.model_name for model in kinds])


class Citation(models.Model):
    """Ties one fact to the passage of a source that supports it, or, for a
    fact that does not come from a stored source, to an editor's note saying
    where it does come from."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, limit_choices_to=cited_kinds, verbose_name="kind of record"
    )
    object_id = models.PositiveBigIntegerField()
    fact = GenericForeignKey("content_type", "object_id")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="citations",
        help_text="Empty only for a fact from outside the stored sources; then say where it comes from in the note.",
    )
    excerpt = models.TextField(blank=True, help_text="Copied word for word from the source's text.")
    about = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Which of the fact's fields this supports; none if it supports the fact as a whole. "
            "A date covers its precision and qualifier."
        ),
    )
    note = models.TextField(
        "editor's note",
        blank=True,
        help_text="Shown to readers. Required when there is no source: say where the fact comes from.",
    )
    # Where the excerpt stands in the source's text, so that it can be marked
    # there; kept by clean() and by Source.anchor_citations().
    start = models.PositiveIntegerField(null=True, blank=True, editable=False)
    end = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = CitationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["content_type", "object_id", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__isnull=True) | ~Q(excerpt=""),
                name="citation_source_has_excerpt",
                violation_error_message="A citation of a source needs the excerpt that supports the fact.",
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=False) | (Q(excerpt="") & ~Q(note="")),
                name="citation_without_source_has_note",
                violation_error_message=(
                    "A fact from outside the stored sources needs an editor's note saying where it comes from, "
                    "and no excerpt."
                ),
            ),
        ]

    def __str__(self):
        if self.source_id:
            return f"{self.source}: “{self.excerpt[:60]}”"
        return f"Editor's note: {self.note[:60]}"

    def get_absolute_url(self):
        return self.fact.get_absolute_url() if self.fact else ""

    @property
    def fact_model(self) -> type[models.Model] | None:
        """The kind of fact cited, from the content type's cache (no query)."""
        if self.content_type_id is None:
            return None
        return ContentType.objects.get_for_id(self.content_type_id).model_class()

    def about_label(self) -> str:
        """What the citation supports, as a reader would say it ("start
        date; end date"); empty when it supports the fact as a whole."""
        model = self.fact_model
        labels = dict(model.citable_fields()) if model and issubclass(model, Cited) else {}
        return "; ".join(labels.get(name, name.replace("_", " ")) for name in self.about)

    def fact_label(self) -> str:
        """The cited fact as an editor would name it: "talk “Astana talks…”"."""
        model = self.fact_model
        fact = self.fact if model else None
        return f"{model._meta.verbose_name} “{fact}”" if fact else "a record that is gone"

    def clean(self):
        super().clean()
        self.validate_fact()
        self.validate_about()
        if self.source_id is None:
            if self.excerpt.strip():
                raise ValidationError({"excerpt": "An excerpt needs its source: choose the source it is copied from."})
            if not self.note.strip():
                raise ValidationError(
                    {"note": "Without a source, the editor's note must say where this fact comes from."}
                )
        elif not self.excerpt.strip():
            raise ValidationError({"excerpt": "Copy the passage of the source that supports this fact."})
        elif (span := find_excerpt(self.source.text, self.excerpt)) is None:
            differs = where_it_differs(self.source.text, self.excerpt)
            raise ValidationError(
                {"excerpt": f"This excerpt does not occur in the text of “{self.source}”: {differs}. Copy it again."}
            )
        else:
            # Stored as the source has it, whatever quotes and spaces the copy had.
            self.start, self.end = span
            self.excerpt = self.source.text[self.start : self.end]

    def validate_fact(self):
        """A citation is on a fact that exists, of a kind that carries citations."""
        if self.content_type_id is None or self.object_id is None:
            return
        model = self.fact_model
        if model is None or not issubclass(model, Cited):
            raise ValidationError({"content_type": "Choose a kind of record of the talks that carries citations."})
        if not model._base_manager.filter(pk=self.object_id).exists():
            kind = model._meta.verbose_name
            message = f"There is no {kind} with the id {self.object_id}: choose one that exists."
            raise ValidationError({"object_id": message})

    def validate_about(self):
        if not isinstance(self.about, list) or not all(isinstance(name, str) for name in self.about):
            raise ValidationError({"about": "Choose which of the fact's fields this supports, or none for all of it."})
        model = self.fact_model
        if model is None or not issubclass(model, Cited):
            return
        citable = dict(model.citable_fields())
        unknown = [name for name in self.about if name not in citable]
        if unknown:
            kind = model._meta.verbose_name
            raise ValidationError(
                {
                    "about": (
                        f"A {kind} has no {', '.join(f'“{name}”' for name in unknown)} that a citation can support. "
                        f"Choose from: {', '.join(citable.values())}; or none, if it supports the {kind} as a whole."
                    )
                }
            )
        self.about = [name for name in citable if name in self.about]


class Alias(Cited):
    """Another name of a party, person, talk, place or topic: a variant
    spelling, a translation, an abbreviation, the name in its original
    script, or a former name with the dates it held (Astana was Nur-Sultan
    from 2019 to 2022)."""

    class Kind(models.TextChoices):
        VARIANT = "variant", "variant spelling"
        TRANSLATION = "translation", "translation"
        ABBREVIATION = "abbreviation", "abbreviation"
        ORIGINAL = "original", "original script"
        FORMER = "former", "former name"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    named = GenericForeignKey("content_type", "object_id")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.VARIANT)
    language = models.CharField(max_length=20, blank=True, help_text="A language code such as 'ar' or 'ru'.")
    # The dates a name held, for a former name above all: Nur-Sultan, 2019 to 2022.
    start_date = models.DateField(null=True, blank=True, help_text="When the name came into use, if known.")
    start_precision = precision_field("start")
    end_date = models.DateField(null=True, blank=True, help_text="When the name went out of use, if it did.")
    end_precision = precision_field("end")
    folded = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["name", "pk"]
        constraints = [
            end_not_before_start(),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "name"],
                name="alias_unique_per_record",
                violation_error_message="This record already has that alias.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        """Where the alias is shown: on the page of the record it names or,
        for a record with no page of its own (a topic), among the search
        results for the record's name."""
        if self.named is None:
            return ""
        if isinstance(self.named, Topic):
            return f"{reverse('search')}?{urlencode({'q': self.named.name})}#alias-{self.pk}"
        return f"{self.named.get_absolute_url()}#alias-{self.pk}"

    def clean(self):
        super().clean()
        clean_dates(self)

    @property
    def start(self) -> PartialDate:
        return PartialDate(self.start_date, self.start_precision)

    @property
    def end(self) -> PartialDate:
        return PartialDate(self.end_date, self.end_precision)

    def held_on(self, day) -> bool:
        """Whether the name was in use on the day, by its dates (a name with
        no dates is not taken to have held on any particular day)."""
        if not (self.start_date or self.end_date):
            return False
        # A day is within a partial date's month or year when its own month or year is.
        after_start = self.start_date is None or truncate(day, self.start_precision) >= self.start_date
        before_end = self.end_date is None or truncate(day, self.end_precision) <= self.end_date
        return after_start and before_end

    @property
    def direction(self) -> str:
        """The name's writing direction for a page's dir attribute: "rtl"
        for Arabic, Persian, Hebrew…; empty for the page's own."""
        return direction(self.language)


class NamedQuerySet(CitedQuerySet):
    def resembling(self, name: str, exclude: int | None = None) -> "NamedQuerySet":
        """Records whose name, or one of whose other names, is the given one
        once folded, contains it or is contained in it, or is close to it
        (a typo, a letter doubled): what an editor must see before adding
        what may be a record already here."""
        key = fold(name)
        if not key:
            return self.none()
        kind = ContentType.objects.get_for_model(self.model)
        names = [
            *self.values_list("pk", "folded"),
            *Alias.objects.filter(content_type=kind).values_list("object_id", "folded"),
        ]
        close = {
            pk
            for pk, other in names
            if pk != exclude
            and other
            and (
                other == key
                or (min(len(key), len(other)) >= 5 and (key in other or other in key))
                or SequenceMatcher(None, key, other).ratio() >= 0.85
            )
        }
        return self.filter(pk__in=close)


class Named(Cited):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    aliases = GenericRelation(Alias)
    folded = models.CharField(max_length=200, editable=False, db_index=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class Party(Named):
    class Kind(models.TextChoices):
        STATE = "state", "state"
        GOVERNMENT = "government", "government"
        COALITION = "coalition", "opposition coalition"
        ARMED_GROUP = "armed_group", "armed group"
        POLITICAL_BODY = "political_body", "political body"
        INTERNATIONAL = "international", "international organisation"

    kind = models.CharField(max_length=16, choices=Kind)
    description = models.TextField(blank=True)
    member_of = models.ManyToManyField(
        "self",
        through="PartyMembership",
        through_fields=("member", "organisation"),
        symmetrical=False,
        related_name="members",
        blank=True,
    )

    class Meta:
        verbose_name_plural = "parties"
        ordering = ["name", "pk"]

    def get_absolute_url(self):
        return slug_url("party", self.slug)


class PartyMembership(Cited):
    member = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="member_links")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation__name", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "organisation"],
                name="membership_unique",
                violation_error_message="This party is already recorded as a member of that organisation.",
            ),
            models.CheckConstraint(
                condition=~Q(member=F("organisation")),
                name="membership_not_of_itself",
                violation_error_message="A party cannot be a member of itself.",
            ),
        ]

    def __str__(self):
        return f"{self.member} in {self.organisation}"

    def get_absolute_url(self):
        return f"{self.member.get_absolute_url()}#membership-{self.pk}"


class Person(Named):
    description = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "people"
        ordering = ["name", "pk"]

    def get_absolute_url(self):
        return slug_url("person", self.slug)


class Place(Named):
    """A city where talks are held, as a record of its own: with its other
    names and the dates they held, so that a talk is found by the name of
    its day and shown with the name of today."""

    country = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def get_absolute_url(self):
        return slug_url("place", self.slug)

    def name_on(self, day) -> str:
        """The name the place had on the day: a former name whose dates
        cover it, else its name. Uses the prefetched aliases."""
        if day is not None:
            for alias in self.aliases.all():
                if alias.kind == Alias.Kind.FORMER and alias.held_on(day):
                    return alias.name
        return self.name


class Post(StartEnd):
    """A title a person holds, at a party where there is one."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="posts")
    organisation = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="posts", null=True, blank=True)
    title = models.CharField(max_length=300, help_text="As a reader would write it, e.g. 'Foreign Minister'.")
    former = models.BooleanField(
        default=False, help_text="Tick when the source calls the post former but gives no end date."
    )

    class Meta(StartEnd.Meta):
        ordering = ["person__name", "-start_date", "pk"]
        constraints = [end_not_before_start()]

    def __str__(self):
        return f"{self.person}, {self.label}"

    def get_absolute_url(self):
        return f"{self.person.get_absolute_url()}#post-{self.pk}"

    @property
    def label(self) -> str:
        """The post as a reader would write it: 'former Chief negotiator, High Negotiations Committee'."""
        title = f"former {self.title}" if self.former else self.title
        return f"{title}, {self.organisation}" if self.organisation_id else title


class Topic(Cited):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    # Other words for the issue ("truce", "cease-fire"), which search takes for its name.
    aliases = GenericRelation(Alias)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("timeline") + f"?topic={self.slug}"


class Process(Cited):
    """A series of talks, such as the Astana process."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "processes"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("talk_list") + f"?process={self.slug}"


class TalkQuerySet(NamedQuerySet):
    def for_cards(self):
        """The published talks, with what a talk's card shows (its fields
        and their citations): the talks list and home, where the parties,
        delegations and other names that for_export() adds were thousands of
        records a page at scale 1,000 that no card shows."""
        return self.published().cited()

    def for_detail(self):
        """The published talks, with what a talk's own page reads: place,
        dates, status, process, other names and the parties that convened,
        hosted or mediated them (drafts left out, as everywhere a reader
        looks). The page lists a few delegations, fetched on their own."""
        return (
            self.published()
            .cited()
            .select_related("process")
            .prefetch_related(
                Prefetch("convened_by", queryset=Party.objects.published()),
                Prefetch("hosted_by", queryset=Party.objects.published()),
                Prefetch("mediated_by", queryset=Party.objects.published()),
                Prefetch("aliases", queryset=Alias.objects.published().cited()),
            )
        )

    def for_export(self):
        """As for_detail(), with every delegation's party: open data lists
        every party involved (Talk.involved_parties)."""
        return self.for_detail().prefetch_related(
            Prefetch("delegations", queryset=Delegation.objects.published().select_related("party"))
        )


class Talk(StartEnd):
    class Status(models.TextChoices):
        PLANNED = "planned", "planned"
        UNDER_WAY = "under_way", "under way"
        CONCLUDED = "concluded", "concluded"
        POSTPONED = "postponed", "postponed"
        CANCELLED = "cancelled", "cancelled"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    aliases = GenericRelation(Alias)
    folded = models.CharField(max_length=200, editable=False, db_index=True)
    process = models.ForeignKey(Process, on_delete=models.SET_NULL, null=True, blank=True, related_name="talks")
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status)
    venue = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    area = models.ForeignKey(
        Place,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talks",
        verbose_name="city record",
        help_text="The city as a record of its own, with its other names; 'city' is the name as the source gives it.",
    )
    convened_by = models.ManyToManyField(
        Party, related_name="convened_talks", blank=True, help_text="Whose initiative the talks were."
    )
    hosted_by = models.ManyToManyField(Party, related_name="hosted_talks", blank=True)
    mediated_by = models.ManyToManyField(Party, related_name="mediated_talks", blank=True)
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        help_text="The talks these follow on from.",
    )

    objects = TalkQuerySet.as_manager()
    _history_m2m_fields = ["convened_by", "hosted_by", "mediated_by"]

    class Meta(StartEnd.Meta):
        ordering = ["start_date", "name", "pk"]
        constraints = [
            end_not_before_start(),
            models.CheckConstraint(
                condition=~Q(follows=F("pk")),
                name="talk_does_not_follow_itself",
                violation_error_message="Talks cannot follow themselves.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_url("talk", self.slug)

    @cached_property
    def involved_parties(self) -> list["Party"]:
        """Every party the talks involve: convening, hosting, mediating or at
        the table, by name. Prefetch the four relations when listing talks."""
        parties = {p.pk: p for p in [*self.convened_by.all(), *self.hosted_by.all(), *self.mediated_by.all()]}
        parties |= {d.party.pk: d.party for d in self.delegations.all()}
        return sorted(parties.values(), key=lambda p: p.name)

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.venue, self.city, self.country) if part)

    @property
    def city_then(self) -> str:
        """The city's name when the talks began, from its record where there
        is one (prefetch the area's aliases), else as the source gives it."""
        return self.area.name_on(self.start_date) if self.area_id else self.city


class Session(StartEnd):
    class Kind(models.TextChoices):
        OPENING = "opening", "opening"
        PLENARY = "plenary", "plenary"
        CLOSED_DOOR = "closed_door", "closed-door"
        BILATERAL = "bilateral", "bilateral"
        PRESS = "press", "press conference"

    class Format(models.TextChoices):
        FACE_TO_FACE = "face_to_face", "face-to-face"
        INDIRECT = "indirect", "not face-to-face"
        UNKNOWN = "", "not known"

    class Status(models.TextChoices):
        PLANNED = "planned", "planned"
        HELD = "held", "held"
        CANCELLED = "cancelled", "cancelled"

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    sequence = models.PositiveSmallIntegerField(default=1, help_text="Orders the sessions of a talk.")
    kind = models.CharField(max_length=12, choices=Kind)
    format = models.CharField(max_length=12, choices=Format, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.HELD)
    description = models.TextField(blank=True)
    parties = models.ManyToManyField(Party, related_name="sessions", blank=True, help_text="Who was present.")
    people = models.ManyToManyField(Person, related_name="sessions", blank=True, help_text="Who spoke or presided.")

    _history_m2m_fields = ["parties", "people"]

    class Meta(StartEnd.Meta):
        ordering = ["talk", "sequence"]
        constraints = [
            end_not_before_start(),
            models.UniqueConstraint(
                fields=["talk", "sequence"],
                name="session_sequence_unique_per_talk",
                violation_error_message="Another session of this talk already has this place in the order.",
            ),
        ]

    def __str__(self):
        return f"{self.talk}: {self.title}"

    def get_absolute_url(self):
        return f"{self.talk.get_absolute_url()}#session-{self.pk}"


class Milestone(Cited):
    """A dated happening that is not a session: an agreement, a ceasefire,
    an announcement."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", "agreement"
        CEASEFIRE = "ceasefire", "ceasefire"
        ANNOUNCEMENT = "announcement", "announcement"
        OTHER = "other", "other"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=12, choices=Kind)
    date = models.DateField(null=True, blank=True)
    date_precision = precision_field("date")
    date_qualifier = qualifier_field("date")
    talk = models.ForeignKey(
        Talk,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones",
        help_text="The talk this belongs to or bears on, if any.",
    )
    parties = models.ManyToManyField(Party, related_name="milestones", blank=True)
    topics = models.ManyToManyField(Topic, related_name="milestones", blank=True)
    description = models.TextField(blank=True)

    _history_m2m_fields = ["parties", "topics"]

    class Meta:
        ordering = ["date", "title", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return slug_url("milestone", self.slug)

    @property
    def when(self) -> PartialDate:
        return PartialDate(self.date, self.date_precision, self.date_qualifier)

    def clean(self):
        super().clean()
        if self.date:
            self.date = truncate(self.date, self.date_precision)


class DelegationQuerySet(CitedQuerySet):
    def at_the_table(self):
        """Each published delegation with its party, component groups and
        members, the post each member sat in, and the citations of all of them."""
        return (
            self.published()
            .cited()
            .select_related("party", "talk")
            .prefetch_related(
                Prefetch("components", queryset=Party.objects.published().cited()),
                Prefetch(
                    "members",
                    queryset=DelegationMember.objects.published()
                    .cited()
                    .select_related("person")
                    .prefetch_related(
                        Prefetch("post", queryset=Post.objects.published().cited().select_related("organisation"))
                    ),
                ),
            )
        )


class Delegation(Cited):
    class Role(models.TextChoices):
        NEGOTIATING = "negotiating", "negotiating party"
        GUARANTOR = "guarantor", "guarantor / convener"
        OBSERVER = "observer", "observer"
        MEDIATOR = "mediator", "mediator"
        HOST = "host", "host"

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="delegations")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="delegations")
    role = models.CharField(max_length=12, choices=Role)
    count_note = models.CharField(
        max_length=200, blank=True, help_text="A size the source gives in words, e.g. 'at least 15 groups'."
    )
    components = models.ManyToManyField(
        Party,
        related_name="component_of",
        blank=True,
        verbose_name="component groups",
        help_text="Groups that sat at the table as part of this delegation.",
    )
    description = models.TextField(blank=True)

    objects = DelegationQuerySet.as_manager()
    _history_m2m_fields = ["components"]

    class Meta:
        ordering = ["talk", "role", "party__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["talk", "party"],
                name="delegation_one_per_party_per_talk",
                violation_error_message="This party already has a delegation at this talk.",
            )
        ]

    def __str__(self):
        return f"{self.party} at {self.talk}"

    def get_absolute_url(self):
        return reverse("delegations", args=[self.talk.slug]) + f"#delegation-{self.party.slug}"

    def parties_at_the_table(self) -> dict[int, "Party"]:
        """The party this delegation sat for, the groups that sat with it, and
        their members, by key."""
        parties = [self.party, *(self.components.all() if self.pk else [])]
        members = Party.objects.filter(memberships__organisation__in=parties)
        return {party.pk: party for party in [*parties, *members]}


class DelegationMember(Cited):
    class Role(models.TextChoices):
        HEAD = "head", "head"
        DEPUTY = "deputy", "deputy head"
        SPOKESPERSON = "spokesperson", "spokesperson"
        MEMBER = "member", "member"
        ADVISER = "adviser", "adviser"

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="delegation_seats")
    role = models.CharField(max_length=12, choices=Role, default=Role.MEMBER)
    # PROTECT: deleting the post would leave the seat saying nothing of the
    # capacity the source gives; the admin lists the seats that hold it.
    post = models.ForeignKey(
        Post,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegation_seats",
        help_text="The post the person held, i.e. in what capacity they sat.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="E.g. 'a leading figure of the opposition'.")

    class Meta:
        ordering = ["delegation", "role", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegation", "person"],
                name="member_once_per_delegation",
                violation_error_message="This person is already a member of this delegation.",
            ),
            models.UniqueConstraint(
                fields=["delegation"],
                condition=Q(role="head"),
                name="one_head_per_delegation",
                violation_error_message="This delegation already has a head.",
            ),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()}, {self.delegation})"

    def get_absolute_url(self):
        return reverse("delegations", args=[self.delegation.talk.slug]) + f"#seat-{self.pk}"

    def clean(self):
        super().clean()
        if self.post_id and self.person_id and self.post.person_id != self.person_id:
            raise ValidationError({"post": "Choose a post held by this person."})
        if self.delegation_id and self.person_id:
            self.validate_party()

    def validate_party(self):
        """A member sits for the delegation's party: a post they hold, if the
        record gives them any at a party, is at it, at one of the groups that
        sat with it, or at a member of those."""
        delegation, person = self.delegation, self.person
        at_the_table = delegation.parties_at_the_table()
        names = ", ".join(party.name for party in at_the_table.values())
        if self.post_id and self.post.organisation_id and self.post.organisation_id not in at_the_table:
            raise ValidationError(
                {
                    "post": f"This post is at {self.post.organisation}, which is not one of the parties this "
                    f"delegation sat for ({names}). Choose a post at one of them, or none."
                }
            )
        held = {post.organisation_id: post.organisation for post in person.posts.all() if post.organisation_id}
        if held and not held.keys() & at_the_table.keys():
            elsewhere = ", ".join(sorted(party.name for party in held.values()))
            raise ValidationError(
                {
                    "person": f"{person} holds posts only at {elsewhere}, none at the parties this delegation sat "
                    f"for ({names}). Choose a member of the delegation's party, or first record the post that "
                    f"makes {person} one, on the person's page."
                }
            )


class PositionQuerySet(CitedQuerySet):
    def for_matrix(self):
        """The published positions, with what a cell of the topic x party matrix shows."""
        return self.published().cited().select_related("talk", "party", "topic", "speaker", "session")


class Position(Cited):
    """What a party said it wants on a topic, through a speaker, on a date,
    at a talk or one of its sessions."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", "supports"
        OPPOSES = "opposes", "opposes"
        DEMANDS = "demands", "demands"
        PROPOSES = "proposes", "proposes"
        STATES = "states", "states"

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="positions")
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="positions")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="positions")
    # PROTECT: deleting the speaker would leave their quote unattributed; the
    # admin's "cannot delete" page lists the positions that name them.
    speaker = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="positions")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="positions")
    date = models.DateField(null=True, blank=True)
    date_precision = precision_field("date")
    date_qualifier = qualifier_field("date")
    stance = models.CharField(max_length=10, choices=Stance)
    summary = models.CharField(max_length=300, help_text="What the party wants, in a sentence.")
    quote = models.TextField(blank=True, help_text="The speaker's words, verbatim, if the source quotes them.")

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["talk", "topic__name", "party__name", "pk"]

    def __str__(self):
        return f"{self.party} on {self.topic}: {self.summary}"

    def get_absolute_url(self):
        return reverse("positions", args=[self.talk.slug]) + f"#position-{self.pk}"

    @property
    def when(self) -> PartialDate:
        return PartialDate(self.date, self.date_precision, self.date_qualifier)

    def clean(self):
        super().clean()
        if self.date:
            self.date = truncate(self.date, self.date_precision)
        if self.session_id and self.talk_id and self.session.talk_id != self.talk_id:
            raise ValidationError({"session": "Choose a session of this position's talk."})


class Claim(Cited):
    """A statement about a party that sources may disagree on. Claims that
    cannot both be right are linked, so readers see that sources differ."""

    subject = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="claims")
    statement = models.CharField(max_length=300, help_text="Said of the subject, e.g. 'wants an Islamic state'.")
    held_by = models.ManyToManyField(
        Party, related_name="claims_held", blank=True, help_text="Who, according to the source, holds this view."
    )
    conflicts_with = models.ManyToManyField(
        "self", blank=True, help_text="Claims that sources make instead of this one."
    )

    _history_m2m_fields = ["held_by", "conflicts_with"]

    class Meta:
        ordering = ["subject__name", "statement", "pk"]

    def __str__(self):
        return f"{self.subject}: {self.statement}"

    def get_absolute_url(self):
        return f"{self.subject.get_absolute_url()}#claim-{self.pk}"


class PartyLink(NamedTuple):
    """A party as a timeline entry shows it: a name that links to its page."""

    slug: str
    name: str

    def get_absolute_url(self) -> str:
        return slug_url("party", self.slug)


def entry_facts() -> GenericPrefetch:
    """An entry's record, with the record's citations and their sources."""
    return GenericPrefetch("fact", [Talk.objects.cited(), Session.objects.cited(), Milestone.objects.cited()])


class TimelineEntryQuerySet(models.QuerySet):
    def for_display(self):
        """With what an entry shows: its talk, and its record (its parties
        it holds itself: TimelineEntry.party_names)."""
        return self.select_related("talk", "content_type").prefetch_related(entry_facts())

    def of_talk(self, talk: "Talk") -> list["TimelineEntry"]:
        """The talk's entries as for_display() makes them, from the talk as
        its page already has it (with its citations): fetched again as the
        talk's own entry's record, it was two more queries a page."""
        entries = list(self.filter(talk=talk).select_related("content_type"))
        for entry in entries:
            entry.talk = talk
            if entry.content_type.model_class() is Talk:
                entry.fact = talk
        prefetch_related_objects(entries, entry_facts())
        return entries


class TimelineEntry(Span):
    """One entry of the timeline: a talk, a session or a milestone, as
    readers see it, so that the timeline is filtered, counted and paginated
    in the database. Derived from its record and kept current by
    talks/timeline.py whenever the record (or what it shows: its parties,
    topics, citations) changes; never edited by hand. Only what readers may
    see has an entry: drafts, and the sessions of a draft talk, have none."""

    KINDS = {
        "talk": "Talks",
        **{value: f"{label.capitalize()} session" for value, label in Session.Kind.choices},
        **{value: label.capitalize() for value, label in Milestone.Kind.choices},
    }
    STATUSES = [("held", "Held"), ("planned", "Planned"), ("cancelled", "Cancelled")]
    # What "held" is called for a milestone: a ceasefire that "held" would
    # read as one that was kept, not one that began.
    HAPPENED = {
        Milestone.Kind.AGREEMENT: "Signed",
        Milestone.Kind.CEASEFIRE: "Took effect",
        Milestone.Kind.ANNOUNCEMENT: "Made",
        Milestone.Kind.OTHER: "Took place",
    }

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    fact = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=16, choices=list(KINDS.items()))
    status = models.CharField(max_length=10, choices=STATUSES)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    # The place of a talk, the format of a session.
    detail = models.CharField(max_length=400, blank=True)
    # The first and the last day the entry's dates could mean ("January
    # 2017" runs to the 31st), for the date range filter.
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    # The year and the month (its first day) of first_day, which the overview
    # counts by: truncating dates in the query is a Python function called
    # for every entry on SQLite, a fifth of a cold timeline page at scale 1,000.
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    first_month = models.DateField(null=True, blank=True)
    sequence = models.PositiveSmallIntegerField(default=0)
    talk = models.ForeignKey(Talk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The talk's process, which the overview's lanes are: counted by key on
    # this table alone rather than through two joins and a name.
    process = models.ForeignKey(Process, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    parties = models.ManyToManyField(Party, related_name="+", blank=True)
    # The same parties' slugs and names, in their order, as the entry shows
    # them: an entry of a large talk shows 36, and a page of 50 such entries
    # took 17 to 22 ms at scale 1,000 to fetch them as objects, a fifth of the
    # page. Kept with `parties` by talks/timeline.py.
    party_names = models.JSONField(default=list, blank=True, editable=False)
    topics = models.ManyToManyField(Topic, related_name="+", blank=True)
    anchor = models.CharField(max_length=120, unique=True)
    url = models.CharField(max_length=300)
    # Title, description, detail and parties' names, folded: what the text filter searches.
    text = models.TextField(blank=True)

    objects = TimelineEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "timeline entries"
        ordering = [F("start_date").asc(nulls_last=True), "sequence", "title", "pk"]
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="one_entry_per_record")]
        indexes = [
            models.Index(fields=["start_date", "sequence", "title"]),
            models.Index(fields=["kind"]),
            models.Index(fields=["status"]),
            models.Index(fields=["first_day"]),
            models.Index(fields=["last_day"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.url

    @property
    def kind_label(self) -> str:
        return self.KINDS[self.kind]

    @property
    def shown_parties(self) -> list["PartyLink"]:
        return [PartyLink(slug, name) for slug, name in self.party_names]

    @property
    def status_label(self) -> str:
        """The status as the filter names it, the same for every kind."""
        return dict(self.STATUSES)[self.status]

    @property
    def status_badge(self) -> str:
        """The status in words that fit the kind: an agreement is signed, a
        ceasefire takes effect, a talk or session is held."""
        if self.status == "held":
            return self.HAPPENED.get(self.kind, self.status_label)
        return self.status_label

    @property
    def planned(self) -> bool:
        return self.status == "planned"

    # Which of the fact's fields the entry's marker cites, and whether also
    # what is said of the fact as a whole: a talk carries many citations, and
    # its entry shows those for its dates and those for the talk as a whole;
    # any other entry, all its record's.
    @property
    def cited(self) -> tuple[str, ...]:
        return ("start_date", "end_date") if self.kind == "talk" else ()

    @property
    def cites_whole(self) -> bool:
        return self.kind == "talk"

    @property
    def citations(self) -> list[Citation]:
        """Its record's citations that its marker shows; prefetch the fact's citations."""
        return self.fact.citations_about(self.cited, whole=self.cites_whole)


class SearchEntry(models.Model):
    """One record as search finds it: its names, and its words, derived
    from the record and kept current by talks/search.py whenever the record
    (or what decides whether readers see it) changes; never edited by hand.
    Only what readers may see has an entry. Full-text search reads `words`
    through the database's own index (FTS5 on SQLite, a GIN index on
    PostgreSQL, both made by the migration that made this table)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    fact = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=12)
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    # The record's name and other names, as [name, language, alias's key], for the result's "also …".
    names = models.JSONField(default=list, blank=True)
    # The matching key of each name (talks/names.py), one a line: what name search compares.
    keys = models.TextField(blank=True)
    # What a reader reads of the record beyond its name, for the snippet.
    text = models.TextField(blank=True)
    # Title, names and text, folded (talks.names.plain): what full-text search indexes.
    words = models.TextField(blank=True)
    # Its length in characters, which ranking divides by (talks.search.rank):
    # kept, because the database counts characters by reading every one, and
    # a search that most entries match would read all their words again.
    words_length = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "search entries"
        ordering = ["kind", "title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="one_search_entry_per_record")
        ]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.url


class DataVersion(models.Model):
    """One row: a token that every write to the record replaces, in the
    writer's own transaction, so that every worker and every server sees it
    change with the data. Reader pages are cached and revalidated by it. A
    random token rather than a counter: a restored backup brings its own
    token, and a page cached under it shows exactly that data."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "data version"

    def __str__(self):
        return self.token

    @classmethod
    def bump(cls, using: str = "default") -> None:
        token, now = uuid.uuid4().hex, timezone.now()
        if not cls.objects.using(using).filter(pk=1).update(token=token, changed_at=now):
            cls.objects.using(using).update_or_create(pk=1, defaults={"token": token, "changed_at": now})

    @classmethod
    def current(cls, using: str = "default") -> "DataVersion":
        """The version, one query; a database without one yet gets one.

        Read with a cursor, not the ORM: every reader request asks for it,
        and building and compiling `filter(pk=1).first()` took about 250 µs
        of a 304's 460 µs, the query itself 30 µs."""
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(cls._current_sql(connection))
            row = cursor.fetchone()
        if row is None:
            cls.bump(using)
            return cls.objects.using(using).get(pk=1)
        token, changed_at = row
        field = cls._meta.get_field("changed_at")
        column = field.get_col(cls._meta.db_table)
        for converter in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
            changed_at = converter(changed_at, column, connection)
        version = cls(pk=1, token=token, changed_at=changed_at)
        version._state.adding, version._state.db = False, using
        return version

    @classmethod
    def _current_sql(cls, connection) -> str:
        quote, meta = connection.ops.quote_name, cls._meta
        columns = ", ".join(quote(meta.get_field(name).column) for name in ("token", "changed_at"))
        return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = 1"


class FixtureLoad(models.Model):
    """A fixture file already loaded into this database, so that loading
    again leaves alone whatever staff have since changed or deleted."""

    name = models.CharField(max_length=200, unique=True)
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class FixtureRecord(models.Model):
    """A record a fixture file brought into this database, by kind and key:
    so that a record staff deleted is never brought back by a later version
    of the file, and a key staff took is never mistaken for the fixture's."""

    model = models.CharField(max_length=100, help_text="The kind of record, e.g. talks.alias.")
    object_id = models.PositiveBigIntegerField()
    file = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model", "object_id"]
        constraints = [models.UniqueConstraint(fields=["model", "object_id"], name="fixture_record_once")]

    def __str__(self):
        return f"{self.model} pk={self.object_id} ({self.file})"


# A signal rather than save(), because loading fixtures saves raw, which skips
# save() but still sends pre_save.
@receiver(pre_save)
def fold_names(sender, instance, raw=False, **kwargs):
    if isinstance(instance, (Alias, Named, Talk)):
        instance.folded = fold(instance.name)


@receiver(pre_save)
def mark_raw_loads(sender, instance, raw=False, **kwargs):
    """A raw save (loaddata, the fixture loader) puts back a row as it was;
    the many-to-many values set on it next must not write history or
    timeline entries of their own: the load brings those rows too (a dump),
    or makes them once it is done (the fixture loader). simple-history, and
    talks/timeline.py, leave alone an instance marked so."""
    if raw:
        instance.skip_history_when_saving = True
