"""Citation.about becomes a list of the cited fact's field names instead of
free text. Existing text is read as well as the words the seed data used
allow; text that names no field becomes [], the fact as a whole."""

import re

from django.db import migrations, models

# Words the seed data used for "about" that are neither a field's name nor
# its label. For each, the field names it meant, the first the cited model
# has winning: "date" is a milestone's date but a talk's start date.
WORDS = {
    "date": [["date"], ["start_date"]],
    "year": [["date"], ["start_date", "end_date"]],
    "dates": [["start_date", "end_date"]],
    "place": [["venue", "city", "country"]],
    "count": [["count_note"]],
    "component": [["components"]],
    "spelling of the name": [["name"]],
}


def fields_from_text(text: str, fields: dict[str, str]) -> list[str]:
    """The field names a free-text "about" meant, given the cited model's
    fields as {name: verbose name}: "venue, city, country" gives the three,
    "end date (year)" gives ["end_date"], "people: Nazarbayev" gives
    ["people"]. Phrases that name no field are dropped; [] if none does."""
    found: list[str] = []
    for phrase in re.sub(r"\([^)]*\)", "", text).split(","):
        for name in _names(phrase.split(":")[0].strip().lower(), fields):
            if name not in found:
                found.append(name)
    return found


def _names(phrase: str, fields: dict[str, str]) -> list[str]:
    by_label = {label.lower(): name for name, label in fields.items()}
    if phrase.replace(" ", "_") in fields:
        return [phrase.replace(" ", "_")]
    if phrase in by_label:
        return [by_label[phrase]]
    for names in WORDS.get(phrase, []):
        if all(name in fields for name in names):
            return names
    return []


def text_from_fields(names: list[str]) -> str:
    return ", ".join(name.replace("_", " ") for name in names)


def _fields_of(apps, content_type) -> dict[str, str]:
    try:
        model = apps.get_model(content_type.app_label, content_type.model)
    except LookupError:
        return {}
    return {field.name: str(field.verbose_name) for field in [*model._meta.fields, *model._meta.many_to_many]}


def forwards(apps, schema_editor):
    Citation = apps.get_model("talks", "Citation")
    fields_by_type = {}
    for citation in Citation.objects.select_related("content_type").exclude(about_text=""):
        content_type = citation.content_type
        if content_type.pk not in fields_by_type:
            fields_by_type[content_type.pk] = _fields_of(apps, content_type)
        citation.about = fields_from_text(citation.about_text, fields_by_type[content_type.pk])
        citation.save(update_fields=["about"])


def backwards(apps, schema_editor):
    Citation = apps.get_model("talks", "Citation")
    for citation in Citation.objects.all():
        if citation.about:
            citation.about_text = text_from_fields(citation.about)[:200]
            citation.save(update_fields=["about_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("talks", "0002_stable_ordering"),
    ]

    operations = [
        migrations.RenameField(model_name="citation", old_name="about", new_name="about_text"),
        migrations.AddField(
            model_name="citation",
            name="about",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Which of the fact's fields this supports; none if it supports the fact as a whole. "
                    "A date covers its precision and qualifier."
                ),
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="citation", name="about_text"),
    ]
