import django.db.models.deletion
from django.db import migrations, models
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
        migrations.AddField(
            model_name="timelineentry",
            name="process",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="talks.process",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
