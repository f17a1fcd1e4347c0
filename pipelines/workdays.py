"""Working days by the Norwegian calendar: every date rule of the documents lives here.

A deadline that ends on a Saturday, Sunday or public holiday runs to the next
working day, as legal deadlines do (domstolloven § 149, forvaltningslova § 30),
and the documents of one batch carry one date, a working day. Public holidays
come from the `holidays` library (country NO: New Year's Day, Maundy Thursday,
Good Friday, Easter Monday, 1 and 17 May, Ascension Day, Whit Monday, Christmas
Day and Boxing Day), not from a list of our own. Christmas Eve and New Year's
Eve are not public holidays in Norway, so they count as working days.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NO", years=year))


def holiday_name(d: date) -> str | None:
    """The public holiday on `d` in the library's Norwegian name, or None."""
    return holidays.country_holidays("NO", years=d.year, language="no").get(d) if d in _holidays(d.year) else None


def refused_date(d: date) -> str | None:
    """Why `d` cannot date a batch of documents, in one line, or None when it is a working day."""
    if is_working_day(d):
        return None
    why = holiday_name(d) or ("lørdag" if d.weekday() == 5 else "søndag")
    return f"Datoen {d.isoformat()} er ikke en arbeidsdag ({why}); neste arbeidsdag er {on_or_after(d).isoformat()}."


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in _holidays(d.year)


def on_or_after(d: date) -> date:
    """`d` if it is a working day, else the next one: where a deadline really ends."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def after(d: date) -> date:
    """The first working day after `d`."""
    return on_or_after(d + timedelta(days=1))


def deadline(start: date, days: int) -> date:
    """A deadline of `days` calendar days from `start`, moved to a working day."""
    return on_or_after(start + timedelta(days=days))


def dispatch_date(given: str | date | None, reporting_deadline: date | None, last_receipt: date | None) -> date:
    """The one date of a batch of documents (the letters and the annual report of a year).

    Given by the run (`--date`), it must be a working day. Otherwise: the first
    working day after the later of the year's reporting deadline and the last
    file received for the year, so a letter never answers a file it could not
    yet have seen, and no reminder is dated on or before the deadline.
    """
    if given:
        d = given if isinstance(given, date) else date.fromisoformat(given)
        refused = refused_date(d)
        if refused:  # `samanom run` and the run's settings refuse it before the run starts; this is the rule
            raise ValueError(refused)
        return d
    known = [x for x in (reporting_deadline, last_receipt) if x is not None]
    if not known:
        raise ValueError("Uten --date trenger dokumentdatoen en rapporteringsfrist eller en mottatt fil.")
    return after(max(known))
