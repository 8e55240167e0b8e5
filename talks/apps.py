from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TalksConfig(AppConfig):
    name = "talks"
    verbose_name = "Talks"

    def ready(self):
        from .editors import ensure_editors_group

        post_migrate.connect(ensure_editors_group, sender=self)
