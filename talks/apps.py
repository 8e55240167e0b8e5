from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class TalksConfig(AppConfig):
    name = "talks"
    verbose_name = "Talks"

    def ready(self):
        from . import checks, search, timeline, versions  # noqa: F401  # register the checks; connect the signals
        from .editors import ensure_editors_group
        from .loading import reserve_keys

        post_migrate.connect(ensure_editors_group, sender=self)
        # Staff records numbered past the keys fixture files may use (talks/loading.py).
        post_migrate.connect(reserve_keys, sender=self)
        post_migrate.connect(timeline.build_if_missing, sender=self)
        post_migrate.connect(search.build_if_missing, sender=self)


class ParleyAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on Parley's own admin site (talks.workbench.ParleyAdminSite)."""

    # Imported here, Django's AdminConfig would count as this module's default too.
    default = False
    default_site = "talks.workbench.ParleyAdminSite"
