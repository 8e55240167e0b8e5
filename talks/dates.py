"""Dates as sources give them: to the day, the month or the year, and
sometimes only expected or planned."""

import datetime
from dataclasses import dataclass

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


class DateQualifier(models.TextChoices):
    NONE = "", "as stated"
    EXPECTED = "expected", "expected"
    PLANNED = "planned", "planned"
    ABOUT = "about", "about"


def precision_field(what: str) -> models.CharField:
    return models.CharField(
        f"{what} precision",
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text="How much of the date the source gives. A month or year is stored as its first day.",
    )


def qualifier_field(what: str) -> models.CharField:
    return models.CharField(
        f"{what} qualifier",
        max_length=8,
        choices=DateQualifier,
        blank=True,
        help_text="Leave blank when the date is a fact; 'expected' or 'planned' when the source says so.",
    )


def truncate(date: datetime.date, precision: str) -> datetime.date:
    """The stored form of a partial date: the first day of its month or year."""
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    return date


@dataclass(frozen=True)
class PartialDate:
    date: datetime.date | None
    precision: str = DatePrecision.DAY
    qualifier: str = DateQualifier.NONE

    def __bool__(self) -> bool:
        return self.date is not None

    def __str__(self) -> str:
        if self.date is None:
            return ""
        if self.precision == DatePrecision.YEAR:
            text = str(self.date.year)
        elif self.precision == DatePrecision.MONTH:
            text = self.date.strftime("%B %Y")
        else:
            text = f"{self.date.day} {self.date.strftime('%B %Y')}"
        return f"{self.qualifier}: {text}" if self.qualifier else text

    @property
    def iso(self) -> str:
        """The date as ISO 8601 cut to its precision, for <time datetime>."""
        if self.date is None:
            return ""
        if self.precision == DatePrecision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()
