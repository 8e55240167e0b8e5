from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.contenttypes.admin import GenericStackedInline, GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType
from django.db import models, router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Alias,
    Citation,
    Cited,
    Claim,
    Delegation,
    DelegationMember,
    FixtureLoad,
    FixtureRecord,
    Milestone,
    Party,
    PartyMembership,
    Person,
    Place,
    Position,
    Post,
    Process,
    Session,
    Source,
    Talk,
    Topic,
)

ABOUT_HELP = "Tick what this supports; tick nothing if it supports the whole record."


class LookAlikeForm(forms.ModelForm):
    """A new talk, party or person that looks like one already in the record
    (the same or a close name or other name; for talks, the same day and
    city) is saved only once the editor says it is a different one."""

    not_a_duplicate = forms.BooleanField(
        required=False,
        label="Not one of those",
        help_text="Tick when the record warns of look-alikes and this is a different one.",
    )

    def look_alikes(self):
        name = self.cleaned_data.get("name", "")
        found = type(self.instance).objects.resembling(name, exclude=self.instance.pk) if name else []
        if isinstance(self.instance, Talk) and self.cleaned_data.get("start_date"):
            same_day = Talk.objects.filter(
                start_date=self.cleaned_data["start_date"], city__iexact=self.cleaned_data.get("city", "")
            ).exclude(pk=self.instance.pk)
            found = [*found, *(talk for talk in same_day if talk not in found)]
        return list(found)

    def clean(self):
        cleaned_data = super().clean()
        adding = self.instance.pk is None and not cleaned_data.get("not_a_duplicate")
        if adding and (found := self.look_alikes()):
            kind = self.instance._meta.verbose_name
            links = format_html_join(", ", '<a href="{}">{}</a>', ((admin_change_url(r), r) for r in found))
            raise forms.ValidationError(
                format_html(
                    "A {} like this is already in the record: {}. If it is one of those, edit it instead; "
                    "if it is a different one, tick “Not one of those” and save again.",
                    kind,
                    links,
                )
            )
        return cleaned_data


def admin_change_url(record) -> str:
    return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])


class OneHeadFormSet(forms.BaseInlineFormSet):
    """A delegation has one head: two rows marked head in one save would
    otherwise reach the database's constraint and fail there."""

    def clean(self):
        super().clean()
        heads = [
            form.cleaned_data["person"]
            for form in self.forms
            if form.cleaned_data.get("role") == DelegationMember.Role.HEAD
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("person")
        ]
        if len(heads) > 1:
            names = " and ".join(str(person) for person in heads)
            raise forms.ValidationError(
                f"A delegation has one head, and {names} are both marked head. "
                f"Make one of them deputy head, spokesperson or member."
            )


class RecordAdmin(SimpleHistoryAdmin):
    """What every kind of record's admin does: keep its history (who, when,
    what changed, with a revert), refuse a save from a form opened before
    someone else's save (see versioned()), say so plainly when a fact is
    saved without a source, since readers will not see it, and list on the
    delete page the records that stay but lose their link to the one
    deleted."""

    delete_confirmation_template = "admin/record_delete_confirmation.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            # Before the factory, so that the version is a field of the form it makes.
            kwargs["form"] = versioned(kwargs.get("form", self.form))
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and OPENED_VERSION not in flatten_fieldsets(fieldsets):
            (name, options), *rest = fieldsets
            fieldsets = [(name, options | {"fields": [*options["fields"], OPENED_VERSION]}), *rest]
        return fieldsets

    def render_delete_form(self, request, context):
        context["links_cut"] = links_cut(context["object"])
        return super().render_delete_form(request, context)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # As simple-history's own, but without select_related() and no names
        # (deprecated in Django 6.1) for a kind of record with no foreign key.
        queryset = history_manager.filter(**{pk_name: object_id}).select_related("history_user")
        foreign = [f.name for f in history_manager.model.tracked_fields if isinstance(f, models.ForeignKey)]
        return queryset.select_related(*foreign) if foreign else queryset

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        fact = form.instance
        if isinstance(fact, Cited) and not fact.citations.exists():
            kind = fact._meta.verbose_name
            self.message_user(
                request,
                f"This {kind} has no citation and no editor's note, so it is a draft: readers will not see it "
                f"until it has one. Add the passage it comes from below, or an editor's note saying where it "
                f"comes from. Drafts are listed under “Needs a source” on the admin's home page.",
                messages.WARNING,
            )


OPENED_VERSION = "opened_version"


def versioned(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """The change form, carrying the version of the record the editor
    opened (its latest history entry) in a hidden field. Saving from an
    older version than the record's is refused, saving nothing, with what
    changed since; the form then carries the newer version, so that saving
    again, having seen the changes, replaces them."""

    class VersionedForm(form_class):
        opened_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if not self.is_bound:
                self.initial[OPENED_VERSION] = latest_version(self.instance)

        def clean(self):
            cleaned_data = super().clean()
            opened = cleaned_data.get(OPENED_VERSION)
            if opened is None or self.instance.pk is None:
                return cleaned_data
            # Held until the save commits (PostgreSQL; SQLite's writers take
            # turns anyway), so that no save comes between this check and it.
            list(type(self.instance)._base_manager.select_for_update().filter(pk=self.instance.pk).values("pk"))
            current = latest_version(self.instance)
            if current is not None and current != opened:
                self.data = self.data.copy()
                self.data[self.add_prefix(OPENED_VERSION)] = str(current)
                raise forms.ValidationError(changed_since(self.instance, opened, current), code="conflict")
            return cleaned_data

    VersionedForm.__name__ = VersionedForm.__qualname__ = form_class.__name__
    return VersionedForm


def latest_version(record) -> int | None:
    if record.pk is None:
        return None
    return record.history.order_by("-history_id").values_list("history_id", flat=True).first()


def changed_since(record, opened: int, current: int) -> str:
    """What another editor changed since this one opened the record: who,
    when, and each field as it was then and as it is now."""
    history = record.history.model.objects
    then, now = history.filter(history_id=opened).first(), history.get(history_id=current)
    who = f"{now.history_user} at {now.history_date:%H:%M:%S} UTC" if now.history_user else "someone"
    changes = []
    if then is not None:
        for change in now.diff_against(then).changes:
            field = record._meta.get_field(change.field)
            changes.append(f"{field.verbose_name}: {shown(field, change.old)} → {shown(field, change.new)}")
    listed = "; ".join(changes) if changes else "no change to its own fields (its lines below may have changed)"
    return (
        f"This {record._meta.verbose_name} was changed by {who}, after you opened it. Since then: {listed}. "
        f"Nothing was saved. Your form still holds your changes: compare them with these, and save again to "
        f"replace what is there now."
    )


def shown(field, value) -> str:
    if field.many_to_many:
        ids = [row[field.m2m_reverse_field_name()] for row in value or []]
        return "“" + ", ".join(str(r) for r in field.related_model._base_manager.filter(pk__in=ids)) + "”"
    if field.many_to_one and value is not None:
        value = field.related_model._base_manager.filter(pk=value).first() or value
    text = "" if value is None else str(value)
    return f"“{text[:80]}…”" if len(text) > 80 else f"“{text}”"


def links_cut(record) -> list[str]:
    """What readers will see change besides what is deleted: the records
    that stay but lose their link to this one (on_delete=SET_NULL), e.g. a
    position that no longer says in which session it was stated."""
    collector = Collector(using=router.db_for_write(type(record)))
    try:
        collector.collect([record])
    except (ProtectedError, RestrictedError):
        return []  # Nothing is deleted; the page lists what protects it.
    return [
        f"{affected._meta.verbose_name} “{affected}” will no longer name its {field.verbose_name}"
        for (field, _), groups in collector.field_updates.items()
        for group in groups
        for affected in group
    ]


def about_field(choices) -> forms.MultipleChoiceField:
    """The "about" field: one checkbox for each field a citation can support."""
    return forms.MultipleChoiceField(
        choices=choices, required=False, widget=forms.CheckboxSelectMultiple, label="About", help_text=ABOUT_HELP
    )


def citation_form(fact_model) -> type[forms.ModelForm]:
    return type("CitationForm", (forms.ModelForm,), {"about": about_field(fact_model.citable_fields())})


class CitationFormSet(BaseGenericInlineFormSet):
    def _construct_form(self, i, **kwargs):
        # As Django's inline formsets set the parent on each form: the kind
        # of fact is known before it is saved, so clean() can check "about".
        form = super()._construct_form(i, **kwargs)
        form.instance.content_type = ContentType.objects.get_for_model(self.instance)
        return form


class CitationInline(GenericStackedInline):
    """Stacked rather than in a table: an excerpt, a row of fields to tick
    and a note do not fit side by side in a 1280 px window."""

    model = Citation
    formset = CitationFormSet
    extra = 1
    fields = ["source", "excerpt", "about", "note"]
    autocomplete_fields = ["source"]
    verbose_name_plural = "citations: where this comes from"

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = citation_form(self.parent_model)
        return super().get_formset(request, obj, **kwargs)


class AliasInline(GenericTabularInline):
    model = Alias
    extra = 1
    # The dates matter for a former name: Nur-Sultan, from 2019 to 2022.
    fields = ["name", "kind", "language", "start_date", "start_precision", "end_date", "end_precision"]


@admin.register(Source)
class SourceAdmin(RecordAdmin):
    list_display = ["title", "author", "publisher", "published_date", "read_and_cite"]
    search_fields = ["title", "author", "publisher", "text"]
    prepopulated_fields = {"slug": ["title"]}

    @admin.display(description="workbench")
    def read_and_cite(self, obj):
        return format_html('<a href="{}">Read and cite</a>', workbench_url(obj))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A change elsewhere in the text moves the passages its citations quote.
        obj.anchor_citations()

    # "Save and read and cite" (templates/admin/talks/source/submit_line.html):
    # a new article goes straight to the workbench.
    def response_add(self, request, obj, post_url_continue=None):
        if "_read_and_cite" in request.POST:
            return HttpResponseRedirect(workbench_url(obj))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_read_and_cite" in request.POST:
            return HttpResponseRedirect(workbench_url(obj))
        return super().response_change(request, obj)


def workbench_url(source: Source) -> str:
    return reverse("admin:talks_source_workbench", args=[source.pk])


@admin.register(Citation)
class CitationAdmin(RecordAdmin):
    list_display = ["__str__", "content_type", "object_id", "about_display"]
    list_filter = ["source", "content_type"]
    search_fields = ["excerpt", "note", "about"]
    autocomplete_fields = ["source"]

    @admin.display(description="about")
    def about_display(self, obj):
        return obj.about_label()

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The fields to tick are those of the cited fact's kind; before the
        kind is chosen, those of every kind, and clean() checks the fit."""
        if obj is not None and obj.fact_model is not None:
            kwargs["form"] = citation_form(obj.fact_model)
        else:
            every = {
                name: label
                for model in apps.get_app_config("talks").get_models()
                if issubclass(model, Cited)
                for name, label in model.citable_fields()
            }
            choices = sorted(every.items(), key=lambda choice: choice[1])
            kwargs["form"] = type("CitationForm", (forms.ModelForm,), {"about": about_field(choices)})
        return super().get_form(request, obj, change, **kwargs)


@admin.register(Alias)
class AliasAdmin(RecordAdmin):
    list_display = ["name", "kind", "content_type", "named"]
    list_filter = ["kind", "content_type"]
    search_fields = ["name", "folded"]
    inlines = [CitationInline]


class MembershipInline(admin.TabularInline):
    model = PartyMembership
    fk_name = "member"
    extra = 0
    autocomplete_fields = ["organisation"]
    verbose_name_plural = "member of"
    show_change_link = True


@admin.register(Party)
class PartyAdmin(RecordAdmin):
    form = LookAlikeForm
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name", "aliases__folded"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline, MembershipInline, CitationInline]


@admin.register(PartyMembership)
class PartyMembershipAdmin(RecordAdmin):
    list_display = ["member", "organisation", "note"]
    autocomplete_fields = ["member", "organisation"]
    search_fields = ["member__name", "organisation__name"]
    inlines = [CitationInline]


class PostInline(admin.TabularInline):
    model = Post
    extra = 0
    fields = ["title", "organisation", "start_date", "start_precision", "end_date", "end_precision", "former"]
    autocomplete_fields = ["organisation"]
    show_change_link = True


@admin.register(Person)
class PersonAdmin(RecordAdmin):
    form = LookAlikeForm
    list_display = ["name"]
    search_fields = ["name", "aliases__name", "aliases__folded"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline, PostInline, CitationInline]


@admin.register(Post)
class PostAdmin(RecordAdmin):
    list_display = ["person", "title", "organisation", "start_date", "end_date", "former"]
    list_filter = ["former", "organisation"]
    search_fields = ["title", "person__name", "person__aliases__name", "organisation__name"]
    autocomplete_fields = ["person", "organisation"]
    inlines = [CitationInline]


@admin.register(Place)
class PlaceAdmin(RecordAdmin):
    list_display = ["name", "country"]
    search_fields = ["name", "aliases__name", "country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline, CitationInline]


@admin.register(Topic)
class TopicAdmin(RecordAdmin):
    list_display = ["name"]
    search_fields = ["name", "description", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    # Other words for the issue ("truce" for a ceasefire), which search finds it by.
    inlines = [AliasInline, CitationInline]


@admin.register(Process)
class ProcessAdmin(RecordAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CitationInline]


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ["sequence", "title", "kind", "format", "status", "start_date", "start_precision", "start_qualifier"]
    show_change_link = True


class DelegationInline(admin.TabularInline):
    model = Delegation
    extra = 0
    fields = ["party", "role", "count_note"]
    autocomplete_fields = ["party"]
    show_change_link = True


@admin.register(Talk)
class TalkAdmin(RecordAdmin):
    form = LookAlikeForm
    list_display = ["name", "start_date", "end_date", "city", "country", "status"]
    list_filter = ["status", "process", "country"]
    search_fields = ["name", "aliases__name", "venue", "city", "country"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["convened_by", "hosted_by", "mediated_by", "follows", "area"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "process", "status", "summary", "follows"]}),
        ("Place", {"fields": ["venue", "city", "country", "area"]}),
        (
            "Dates",
            {
                "fields": [
                    ("start_date", "start_precision", "start_qualifier"),
                    ("end_date", "end_precision", "end_qualifier"),
                ]
            },
        ),
        ("Who convened, hosted and mediated", {"fields": ["convened_by", "hosted_by", "mediated_by"]}),
    ]
    inlines = [SessionInline, DelegationInline, AliasInline, CitationInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {"fields": [*options["fields"], "not_a_duplicate"]}), *rest]


@admin.register(Session)
class SessionAdmin(RecordAdmin):
    list_display = ["title", "talk", "sequence", "kind", "format", "status", "start_date"]
    list_filter = ["kind", "format", "status", "talk"]
    search_fields = ["title", "description", "talk__name"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["talk", "parties", "people"]
    inlines = [CitationInline]


@admin.register(Milestone)
class MilestoneAdmin(RecordAdmin):
    list_display = ["title", "kind", "date", "date_qualifier", "talk"]
    list_filter = ["kind", "talk"]
    search_fields = ["title", "description"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["talk", "parties"]
    inlines = [CitationInline]


class DelegationMemberInline(admin.TabularInline):
    model = DelegationMember
    formset = OneHeadFormSet
    extra = 1
    fields = ["person", "role", "post", "note"]
    autocomplete_fields = ["person", "post"]
    show_change_link = True


@admin.register(Delegation)
class DelegationAdmin(RecordAdmin):
    list_display = ["party", "talk", "role", "count_note"]
    list_filter = ["role", "talk"]
    search_fields = ["party__name", "party__aliases__name", "talk__name"]
    autocomplete_fields = ["talk", "party", "components"]
    inlines = [DelegationMemberInline, CitationInline]


@admin.register(DelegationMember)
class DelegationMemberAdmin(RecordAdmin):
    list_display = ["person", "role", "delegation"]
    list_filter = ["role"]
    search_fields = ["person__name", "person__aliases__name", "delegation__party__name"]
    autocomplete_fields = ["delegation", "person", "post"]
    inlines = [CitationInline]


@admin.register(Position)
class PositionAdmin(RecordAdmin):
    list_display = ["party", "topic", "stance", "summary", "talk"]
    list_filter = ["stance", "topic", "party", "talk"]
    search_fields = ["summary", "quote", "party__name", "party__aliases__name", "speaker__name"]
    autocomplete_fields = ["talk", "session", "party", "speaker", "topic"]
    inlines = [CitationInline]


@admin.register(Claim)
class ClaimAdmin(RecordAdmin):
    list_display = ["subject", "statement"]
    search_fields = ["statement", "subject__name", "subject__aliases__name"]
    autocomplete_fields = ["subject", "held_by", "conflicts_with"]
    inlines = [CitationInline]


@admin.register(FixtureLoad)
class FixtureLoadAdmin(admin.ModelAdmin):
    list_display = ["name", "sha256", "loaded_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FixtureRecord)
class FixtureRecordAdmin(admin.ModelAdmin):
    """The records fixture files brought: read only, so that a record staff
    deleted stays deleted however the file changes."""

    list_display = ["model", "object_id", "file", "loaded_at"]
    list_filter = ["model", "file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
