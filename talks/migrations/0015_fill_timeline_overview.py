from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.db.models.functions import ExtractYear, TruncMonth


def fill(apps, schema_editor):
    """The periods and processes of the entries already made (new ones get
    theirs from talks/timeline.py)."""
    using = schema_editor.connection.alias
    entries = apps.get_model("talks", "TimelineEntry").objects.using(using)
    entries.filter(first_day__isnull=False).update(
        first_year=ExtractYear("first_day"), first_month=TruncMonth("first_day")
    )
    talks = apps.get_model("talks", "Talk").objects.using(using)
    entries.filter(talk__isnull=False).update(
        process=Subquery(talks.filter(pk=OuterRef("talk_id")).values("process_id")[:1])
    )


class Migration(migrations.Migration):
    # Apart from 0014: on PostgreSQL, rows updated in the transaction that
    # adds a foreign key leave its checks pending, and the key's index then
    # cannot be made ("pending trigger events").
    dependencies = [
        ("talks", "0014_timeline_overview"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
