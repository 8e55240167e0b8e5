from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType

from .models import (
    Alias,
    Citation,
    Cited,
    Claim,
    Delegation,
    DelegationMember,
    FixtureLoad,
    Milestone,
    Party,
    PartyMembership,
    Person,
    Position,
    Post,
    Process,
    Session,
    Source,
    Talk,
    Topic,
)

ABOUT_HELP = "Tick what this supports; tick nothing if it supports the whole record."


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


class CitationInline(GenericTabularInline):
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
    fields = ["name", "kind", "language"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "publisher", "published_date"]
    search_fields = ["title", "author", "publisher", "text"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
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
class AliasAdmin(admin.ModelAdmin):
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
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name", "aliases__folded"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline, MembershipInline, CitationInline]


@admin.register(PartyMembership)
class PartyMembershipAdmin(admin.ModelAdmin):
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
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "aliases__name", "aliases__folded"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline, PostInline, CitationInline]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["person", "title", "organisation", "start_date", "end_date", "former"]
    list_filter = ["former", "organisation"]
    search_fields = ["title", "person__name", "person__aliases__name", "organisation__name"]
    autocomplete_fields = ["person", "organisation"]
    inlines = [CitationInline]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CitationInline]


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
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
class TalkAdmin(admin.ModelAdmin):
    list_display = ["name", "start_date", "end_date", "city", "country", "status"]
    list_filter = ["status", "process", "country"]
    search_fields = ["name", "aliases__name", "venue", "city", "country"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["convened_by", "hosted_by", "mediated_by", "follows"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "process", "status", "summary", "follows"]}),
        ("Place", {"fields": ["venue", "city", "country"]}),
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


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "talk", "sequence", "kind", "format", "status", "start_date"]
    list_filter = ["kind", "format", "status", "talk"]
    search_fields = ["title", "description", "talk__name"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["talk", "parties", "people"]
    inlines = [CitationInline]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "date", "date_qualifier", "talk"]
    list_filter = ["kind", "talk"]
    search_fields = ["title", "description"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["talk", "parties"]
    inlines = [CitationInline]


class DelegationMemberInline(admin.TabularInline):
    model = DelegationMember
    extra = 1
    fields = ["person", "role", "post", "note"]
    autocomplete_fields = ["person", "post"]
    show_change_link = True


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["party", "talk", "role", "count_note"]
    list_filter = ["role", "talk"]
    search_fields = ["party__name", "party__aliases__name", "talk__name"]
    autocomplete_fields = ["talk", "party", "components"]
    inlines = [DelegationMemberInline, CitationInline]


@admin.register(DelegationMember)
class DelegationMemberAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "delegation"]
    list_filter = ["role"]
    search_fields = ["person__name", "person__aliases__name", "delegation__party__name"]
    autocomplete_fields = ["delegation", "person", "post"]
    inlines = [CitationInline]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["party", "topic", "stance", "summary", "talk"]
    list_filter = ["stance", "topic", "party", "talk"]
    search_fields = ["summary", "quote", "party__name", "party__aliases__name", "speaker__name"]
    autocomplete_fields = ["talk", "session", "party", "speaker", "topic"]
    inlines = [CitationInline]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
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
