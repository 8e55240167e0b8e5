import django.db.models.deletion
from django.db import migrations, models


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
    ]
