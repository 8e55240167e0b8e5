from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import exports
from .views import browse, milestones, people, search, site, sources, talk

urlpatterns = [
    path("", site.home, name="home"),
    path("talks/", browse.talk_list, name="talk_list"),
    path("talks/<slug:slug>/", talk.talk_detail, name="talk"),
    path("talks/<slug:slug>/delegations/", talk.delegations, name="delegations"),
    path("talks/<slug:slug>/positions/", talk.positions, name="positions"),
    path("talks/<slug:slug>/positions/compare/", talk.compare, name="compare"),
    path("timeline/", browse.timeline_view, name="timeline"),
    path("suggest/<slug:kind>/", browse.suggest, name="suggest"),
    path("milestones/<slug:slug>/", milestones.milestone_detail, name="milestone"),
    path("timeline.json", exports.timeline_export, {"format": "json"}, name="timeline_json"),
    path("timeline.csv", exports.timeline_export, {"format": "csv"}, name="timeline_csv"),
    path("parties/", people.party_list, name="party_list"),
    path("parties/<slug:slug>/", people.party_detail, name="party"),
    path("people/", people.person_list, name="person_list"),
    path("people/<slug:slug>/", people.person_detail, name="person"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/<slug:slug>/", sources.source_detail, name="source"),
    path("search/", search.search, name="search"),
    path("healthz", site.health, name="health"),
    path("favicon.ico", site.favicon),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler500 = "talks.views.site.server_error"
