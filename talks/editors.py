"""The "Editors" group: staff who keep the record, but not its users."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

EDITORS = "Editors"

# Editors may add, change and delete everything in the record, and no more:
# user accounts, groups and the fixture ledgers stay with administrators.
NOT_FOR_EDITORS = {"fixtureload", "fixturerecord"}


def ensure_editors_group(sender=None, apps=global_apps, verbosity=1, **kwargs):
    """Create or bring up to date the Editors group after every migrate, so a
    model added later is editable without another step."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # post_migrate runs the receivers in app order; make sure this app's
    # permissions exist before they are granted.
    create_permissions(global_apps.get_app_config("talks"), verbosity=0, apps=global_apps)
    group, _ = Group.objects.get_or_create(name=EDITORS)
    permissions = Permission.objects.filter(content_type__app_label="talks").exclude(
        content_type__model__in=NOT_FOR_EDITORS
    )
    # The history is read, never written by hand: editors change a record
    # (or revert it, which is a change) and the history follows.
    permissions = permissions.exclude(
        content_type__model__startswith="historical", codename__regex=r"^(add|change|delete)_"
    )
    group.permissions.set(permissions)
