"""Small builders for test data: sensible defaults, any field overridable."""

import datetime
import itertools

from django.contrib.auth.models import Group, User

from talks.editors import EDITORS
from talks.models import Citation, Delegation, Party, Person, Position, Session, Source, Talk, Topic

_numbers = itertools.count(1)

SOURCE_TEXT = "The talks opened in Astana on Monday. The opposition wants the ceasefire to hold."


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_numbers)}"


def make_source(**overrides) -> Source:
    fields = {"title": "A report", "slug": _unique("report"), "text": SOURCE_TEXT} | overrides
    return Source.objects.create(**fields)


def make_party(**overrides) -> Party:
    slug = overrides.pop("slug", _unique("party"))
    fields = {"name": slug.replace("-", " ").title(), "slug": slug, "kind": Party.Kind.STATE} | overrides
    return Party.objects.create(**fields)


def make_person(**overrides) -> Person:
    slug = overrides.pop("slug", _unique("person"))
    return Person.objects.create(**({"name": slug.title(), "slug": slug} | overrides))


def make_topic(**overrides) -> Topic:
    slug = overrides.pop("slug", _unique("topic"))
    return Topic.objects.create(**({"name": slug, "slug": slug} | overrides))


def make_talk(**overrides) -> Talk:
    slug = overrides.pop("slug", _unique("talk"))
    fields = {
        "name": f"Talks {slug}",
        "slug": slug,
        "status": Talk.Status.CONCLUDED,
        "city": "Astana",
        "country": "Kazakhstan",
        "start_date": datetime.date(2017, 1, 23),
    } | overrides
    return Talk.objects.create(**fields)


def make_session(**overrides) -> Session:
    fields = {"title": "Opening", "kind": Session.Kind.OPENING, "status": Session.Status.HELD} | overrides
    if "talk" not in fields:
        fields["talk"] = make_talk()
    return Session.objects.create(**fields)


def make_delegation(**overrides) -> Delegation:
    fields = {"role": Delegation.Role.NEGOTIATING} | overrides
    fields.setdefault("talk", make_talk())
    fields.setdefault("party", make_party())
    return Delegation.objects.create(**fields)


def make_position(**overrides) -> Position:
    fields = {"stance": Position.Stance.SUPPORTS, "summary": "Keep the ceasefire"} | overrides
    fields.setdefault("talk", make_talk())
    fields.setdefault("party", make_party())
    fields.setdefault("topic", make_topic())
    return Position.objects.create(**fields)


def cite(fact, source: Source, excerpt: str, **overrides) -> Citation:
    return Citation.objects.create(fact=fact, source=source, excerpt=excerpt, **overrides)


def make_editor(username: str = "editor", password: str = "a-long-editor-password") -> User:
    user = User.objects.create_user(username, password=password, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user
