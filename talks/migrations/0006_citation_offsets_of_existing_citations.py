from django.db import migrations

from talks.text import find_excerpt


def anchor(apps, schema_editor):
    """Where each existing excerpt stands in its source's text."""
    Citation = apps.get_model("talks", "Citation")
    for citation in Citation.objects.filter(source__isnull=False).select_related("source"):
        if span := find_excerpt(citation.source.text, citation.excerpt):
            Citation.objects.filter(pk=citation.pk).update(start=span[0], end=span[1])


class Migration(migrations.Migration):
    dependencies = [("talks", "0005_history_and_citation_offsets")]

    operations = [migrations.RunPython(anchor, migrations.RunPython.noop)]
