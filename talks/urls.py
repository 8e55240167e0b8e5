from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("talks/", views.talk_list, name="talk_list"),
    path("talks/<slug:slug>/", views.talk_detail, name="talk"),
    path("talks/<slug:slug>/delegations/", views.delegations, name="delegations"),
    path("talks/<slug:slug>/positions/", views.positions, name="positions"),
    path("talks/<slug:slug>/positions/compare/", views.compare, name="compare"),
    path("timeline/", views.timeline_view, name="timeline"),
    path("timeline.json", views.timeline_export, {"format": "json"}, name="timeline_json"),
    path("timeline.csv", views.timeline_export, {"format": "csv"}, name="timeline_csv"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/<slug:slug>/", views.party_detail, name="party"),
    path("people/", views.person_list, name="person_list"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
    path("search/", views.search, name="search"),
    path("healthz", views.health, name="health"),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler500 = "talks.views.server_error"
