import pytest
from django.conf import settings

from talks.loading import fixture_files, load_fixtures

from .builders import make_source


@pytest.fixture
def seeded(db):
    """The database as a new site has it: the fixtures loaded."""
    load_fixtures(fixture_files(settings.FIXTURE_DIR))


@pytest.fixture
def source(db):
    return make_source()
