"""The record's data version (DataVersion) changes with every write, so
that cached reader pages are never older than the data: any save, delete or
many-to-many change of the talks app's records replaces it, in the same
transaction as the write. Writes that send no signal (bulk inserts, queryset
updates) call DataVersion.bump() themselves."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import DataVersion, SearchEntry, TimelineEntry


def _recorded(sender) -> bool:
    """A model of the record: the talks app's, but not what follows a write
    to it (the version itself, the timeline's and search's entries, the history's
    rows)."""
    meta = getattr(sender, "_meta", None)
    derived = sender in (DataVersion, TimelineEntry, SearchEntry) or hasattr(sender, "instance_type")
    return meta is not None and meta.app_label == "talks" and not derived


@receiver(post_save)
@receiver(post_delete)
def _written(sender, using="default", **kwargs):
    if _recorded(sender):
        DataVersion.bump(using)


@receiver(m2m_changed)
def _linked(sender, action, using="default", **kwargs):
    # The sender is the link table; what it links belongs to the talks app.
    if action in {"post_add", "post_remove", "post_clear"} and sender._meta.app_label == "talks":
        DataVersion.bump(using)
