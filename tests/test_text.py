import pytest
from hypothesis import given
from hypothesis import strategies as st

from talks.text import comparable, find_excerpt, fold, occurs_in, where_it_differs

SOURCE = (
    "Opposition spokesperson Yehya al-Aridi remarked that “The first negotiation session will not be\n"
    "face-to-face because the government hasn\u2019t committed until now,” referring to the ceasefire deal \u2013 "
    "brokered by Turkey and Russia."
)


@pytest.mark.parametrize(
    ("spelling", "other"),
    [
        ("Ja'afari", "Jaafari"),
        ("JAYSH AL-ISLAM", "Jaysh al Islam"),
        ("Mohammad Alloush", "mohammad alloush"),
        ("Faylaq al-Shām", "Faylaq al-Sham"),
    ],
)
def test_fold_makes_spellings_that_differ_only_in_case_accents_and_punctuation_meet(spelling, other):
    assert fold(spelling) == fold(other)


@pytest.mark.parametrize(
    "copied",
    [
        "will not be face-to-face",
        "will not be face\u2011to\u2011face",  # non-breaking hyphens
        "the government hasn't committed",  # a straight apostrophe where the source has a curly one
        '"The first negotiation session',  # straight quotes
        "ceasefire deal - brokered",  # a hyphen for the en dash
        "ceasefire deal — brokered",  # an em dash
        "session will not be face-to-face",  # across the line break
        "ceasefire   deal\u00a0\u2013  brokered",  # repeated and non-breaking spaces
    ],
)
def test_an_excerpt_copied_with_typographic_variants_is_found_in_the_sources_own_characters(copied):
    start, end = find_excerpt(SOURCE, copied)
    found = SOURCE[start:end]
    assert found.split()[0].strip('“"') == copied.split()[0].strip('“"')
    assert len(found.split()) == len(copied.split())
    assert found in SOURCE


def test_the_source_keeps_its_own_characters_where_the_copy_differs():
    start, end = find_excerpt(SOURCE, "the government hasn't committed")
    assert SOURCE[start:end] == "the government hasn\u2019t committed"


@pytest.mark.parametrize("excerpt", ["", "   ", "Talks ended in Geneva."])
def test_an_excerpt_that_is_not_in_the_source_is_not_found(excerpt):
    assert find_excerpt(SOURCE, excerpt) is None


def test_a_mismatch_says_where_the_excerpt_leaves_the_source():
    message = where_it_differs(SOURCE, "The first negotiation session will be face-to-face")
    assert message == (
        "the first 5 words match the source, up to “The first negotiation session will”; "
        "then the excerpt has “be” where the source has “not”"
    )


def test_a_mismatch_in_the_first_word_says_so():
    assert where_it_differs(SOURCE, "Nobody remarked") == "its first word, “Nobody”, does not occur in the source"


# Words, spaces and the characters a copy and its source disagree on.
PIECES = st.text(alphabet="ab \n\t\u00a0\u2019'\u2013-", max_size=30)


@given(text=PIECES, excerpt=PIECES)
def test_the_record_check_finds_an_excerpt_exactly_where_the_editor_form_does(text, excerpt):
    # check_record compares thousands of excerpts with a text made comparable once.
    assert occurs_in(comparable(text), excerpt) == (find_excerpt(text, excerpt) is not None)


def test_an_excerpt_copied_across_a_line_break_with_curly_quotes_occurs_in_its_source():
    assert occurs_in(comparable(SOURCE), "government hasn't committed until now,\u201d referring")
    assert not occurs_in(comparable(SOURCE), "government has committed")
