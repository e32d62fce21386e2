"""Dates at the precision the sources give them (``xsd:gYear``, ``xsd:gYearMonth``,
``xsd:date``, ``xsd:dateTime``), read as the interval of days they cover.

"2013" covers 2013-01-01 to 2013-12-31, "2013-03" the days of March 2013, a date itself.
A period that starts at "2013" has begun by any day of 2013 at the latest; it has begun
for sure only from 2013-12-31 on. Comparisons here use the generous reading: a tie that
may have been in force on a day counts as in force.

>>> bounds("2013-02")
(datetime.date(2013, 2, 1), datetime.date(2013, 2, 28))
>>> Window.parse("2015").overlaps("2014", "2015-06")
True
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from graphkit.errors import UsageError

__all__ = ["Window", "bounds", "earliest", "first_date", "latest", "sort_key", "year_of"]

_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@lru_cache(maxsize=1 << 16)
def bounds(text: str) -> tuple[date, date] | None:
    """The first and last day ``text`` may mean, or ``None`` if it is not a date."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        year = int(match.group(1))
        if not 1 <= year <= 9999:
            return None
        if match.group(3):
            day = date(year, int(match.group(2)), int(match.group(3)))
            return day, day
        if match.group(2):
            month = int(match.group(2))
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1), date(year, month, last)
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


def year_of(text: str | None) -> int | None:
    """The year of a date in any of the accepted precisions."""
    found = bounds(text) if text else None
    return found[0].year if found else None


@dataclass(frozen=True)
class Window:
    """A window of days ``[first, last]``; either end may be open (``None``)."""

    first: date | None
    last: date | None

    @classmethod
    def parse(cls, start: str | None, end: str | None = None) -> Window:
        """The window from ``start`` to ``end`` (each a year, year-month or date).

        With ``end`` omitted the window is the days ``start`` covers ("2015" is all of 2015).
        """
        if start is None and end is None:
            return cls(None, None)
        first = last = None
        if start is not None:
            found = bounds(start)
            if found is None:
                raise UsageError(f"{start!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
            first, last = found
        if end is not None:
            found = bounds(end)
            if found is None:
                raise UsageError(f"{end!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
            last = found[1]
        if first and last and first > last:
            raise UsageError(f"the period {start}–{end} ends before it starts")
        return cls(first, last)

    @property
    def is_open(self) -> bool:
        return self.first is None and self.last is None

    def overlaps(self, start: str | None, end: str | None) -> bool:
        """Whether a period from ``start`` to ``end`` (unknown ends open) may overlap."""
        began = bounds(start) if start else None
        ended = bounds(end) if end else None
        if self.last is not None and began is not None and began[0] > self.last:
            return False
        return not (self.first is not None and ended is not None and ended[1] < self.first)

    def reached(self, when: str | None) -> bool:
        """Whether a one-off happening at ``when`` had happened by the window's last day."""
        found = bounds(when) if when else None
        return found is None or self.last is None or found[0] <= self.last

    def within(self, when: str | None) -> bool:
        """Whether a one-off at ``when`` may fall inside the window (unknown: yes)."""
        return self.overlaps(when, when)


@lru_cache(maxsize=1 << 16)
def sort_key(text: str) -> tuple[int, str]:
    """A key that orders dates of any precision by their first day (non-dates first)."""
    found = bounds(text)
    return (found[0].toordinal() if found else 0, text)


def first_date(values: list[str] | None) -> str | None:
    """The earliest of ``values`` (``None`` when there are none)."""
    if not values:
        return None
    return values[0] if len(values) == 1 else min(values, key=sort_key)


def earliest(current: str | None, other: str | None) -> str | None:
    """The earlier of two dates, either of which may be unknown."""
    if current is None or other is None or current == other:
        return current or other
    return min(current, other, key=sort_key)


def latest(current: str | None, other: str | None) -> str | None:
    """The later of two dates by their last day, either of which may be unknown."""
    if current is None or other is None or current == other:
        return current or other
    found = [(bounds(t), t) for t in (current, other)]
    return max(found, key=lambda pair: (pair[0][1].toordinal() if pair[0] else 0,
                                        pair[1]))[1]
