from django.conf import settings
from django.contrib import admin
from django.urls import path, register_converter

from . import calendars, exports, feeds, sitemaps
from .views import browse, milestones, people, places, search, site, sources, talk

register_converter(exports.DataFormat, "data")

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
    # Open data: each list as .json and .csv, with the page's query string (talks/exports.py).
    path("talks.<data:format>", exports.talk_list_export, name="talk_list_data"),
    path("talks/<slug:slug>/delegations.<data:format>", exports.delegations_export, name="delegations_data"),
    path("talks/<slug:slug>/positions.<data:format>", exports.positions_export, name="positions_data"),
    path("parties.<data:format>", exports.party_list_export, name="party_list_data"),
    path("people.<data:format>", exports.person_list_export, name="person_list_data"),
    path("sources.<data:format>", exports.source_list_export, name="source_list_data"),
    path("search.<data:format>", exports.search_export, name="search_data"),
    path("timeline.ics", calendars.timeline_calendar, name="timeline_calendar"),
    path("talks/<slug:slug>.ics", calendars.talk_calendar, name="talk_calendar"),
    path("changes.atom", feeds.record_changes, name="changes"),
    path("talks/<slug:slug>/changes.atom", feeds.talk_changes, name="talk_changes"),
    path("parties/<slug:slug>/changes.atom", feeds.party_changes, name="party_changes"),
    path("parties/", people.party_list, name="party_list"),
    path("parties/<slug:slug>/", people.party_detail, name="party"),
    path("people/", people.person_list, name="person_list"),
    path("people/<slug:slug>/", people.person_detail, name="person"),
    path("places/<slug:slug>/", places.place_detail, name="place"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/<slug:slug>/", sources.source_detail, name="source"),
    path("search/", search.search, name="search"),
    path("healthz", site.health, name="health"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("robots.txt", sitemaps.robots, name="robots"),
    path("favicon.ico", site.favicon),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler500 = "talks.views.site.server_error"
