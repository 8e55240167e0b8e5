from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline

from .models import (
    Alias,
    Citation,
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

admin.site.site_header = "Parley administration"
admin.site.site_title = "Parley"
admin.site.index_title = "The record"


class CitationInline(GenericTabularInline):
    model = Citation
    extra = 1
    fields = ["source", "excerpt", "about", "note"]
    autocomplete_fields = ["source"]
    verbose_name_plural = "citations: where this comes from"


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
    list_display = ["__str__", "content_type", "object_id", "about"]
    list_filter = ["source", "content_type"]
    search_fields = ["excerpt", "note", "about"]
    autocomplete_fields = ["source"]


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
