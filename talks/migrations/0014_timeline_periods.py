from django.db import migrations, models
from django.db.models.functions import ExtractYear, TruncMonth


def fill(apps, schema_editor):
    """The periods of the entries already made (new ones get theirs from talks/timeline.py)."""
    entries = apps.get_model("talks", "TimelineEntry").objects.using(schema_editor.connection.alias)
    entries.filter(first_day__isnull=False).update(
        first_year=ExtractYear("first_day"), first_month=TruncMonth("first_day")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("talks", "0013_places"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineentry",
            name="first_month",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="timelineentry",
            name="first_year",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
