from django.db import migrations, models


def empty(apps, schema_editor):
    """An entry linked every party and topic of its record, drafts too;
    now only the published ones (talks/timeline.py), and it holds their
    names. Emptied here, the timeline is made afresh by the current code
    once migrate ends (talks.timeline.build_if_missing, on post_migrate)."""
    using = schema_editor.connection.alias
    apps.get_model("talks", "TimelineEntry").objects.using(using).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("talks", "0015_fill_timeline_overview"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineentry",
            name="party_names",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(empty, migrations.RunPython.noop),
    ]
