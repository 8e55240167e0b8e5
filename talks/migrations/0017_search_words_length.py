import importlib

from django.db import migrations, models
from django.db.models.functions import Length

# On SQLite, adding the column makes talks_searchentry afresh, which drops
# the triggers that keep its full-text index in step (0012 says so): they
# are made again here. The index itself still holds every entry's words
# under the same ids, but is rebuilt so that nothing rests on that.
# (Removing the column, going back, is an ALTER TABLE that keeps them.)
search_entries = importlib.import_module("talks.migrations.0012_search_entries")
TRIGGERS = [statement for statement in search_entries.SQLITE if statement.startswith("CREATE TRIGGER")]


def fill(apps, schema_editor):
    """The lengths of the entries already made (new ones get theirs from
    talks/search.py), and on SQLite the index's triggers again."""
    entries = apps.get_model("talks", "SearchEntry").objects.using(schema_editor.connection.alias)
    entries.update(words_length=Length("words"))
    if schema_editor.connection.vendor == "sqlite":
        for statement in TRIGGERS:
            schema_editor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))
        schema_editor.execute("INSERT INTO talks_searchentry_fts(talks_searchentry_fts) VALUES ('rebuild')")


class Migration(migrations.Migration):
    dependencies = [
        ("talks", "0016_timeline_published_links_and_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="words_length",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
