import datetime

import pytest

from talks.dates import DatePrecision, PartialDate, truncate

JAN_23 = datetime.date(2017, 1, 23)


@pytest.mark.parametrize(
    ("partial", "text", "iso"),
    [
        (PartialDate(JAN_23), "23 January 2017", "2017-01-23"),
        (PartialDate(JAN_23, "month"), "January 2017", "2017-01"),
        (PartialDate(JAN_23, "year"), "2017", "2017"),
        (PartialDate(datetime.date(2017, 2, 8), "day", "planned"), "planned: 8 February 2017", "2017-02-08"),
        (PartialDate(datetime.date(2017, 1, 24), "day", "expected"), "expected: 24 January 2017", "2017-01-24"),
        (PartialDate(None), "", ""),
    ],
)
def test_partial_date_reads_as_a_reader_would_write_it(partial, text, iso):
    assert str(partial) == text
    assert partial.iso == iso


def test_an_unknown_date_is_false():
    assert not PartialDate(None)
    assert PartialDate(JAN_23)


def test_a_month_or_year_is_stored_as_its_first_day():
    assert truncate(JAN_23, DatePrecision.MONTH) == datetime.date(2017, 1, 1)
    assert truncate(JAN_23, DatePrecision.YEAR) == datetime.date(2017, 1, 1)
    assert truncate(JAN_23, DatePrecision.DAY) == JAN_23
