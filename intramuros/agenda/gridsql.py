"""The queries of every agenda grid, written out once per shape rather than built by the ORM per request.

Built by the ORM, their filters, joins and lookups were resolved again on every page, which cost more than the
database's own work; and the ORM's per-value converters cost as much again. Here the text is made once per
database and number of calendars from the models' own table and column names (quoted by the backend); every
value is a parameter, adapted as the ORM adapts it. Both SQLite (SQLCipher) and PostgreSQL run them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

from django.db import connections

from intramuros.agenda.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    OpeningHours,
    Status,
    Unavailability,
)

GRID_STATUSES = ACTIVE_STATUSES + (Status.NO_SHOW,)
LONGEST_APPOINTMENT = datetime.timedelta(hours=12)  # appointments last 10 h at most


def _names(alias: str) -> tuple[Callable[[str], str], Callable[[Any, str], str]]:
    """The quoting of database `alias`, and col(meta, field): that field's quoted "table"."column"."""
    quote = connections[alias].ops.quote_name

    def col(meta, field: str) -> str:
        return f"{quote(meta.db_table)}.{quote(meta.get_field(field).column)}"

    return quote, col


def _table(alias: str, meta) -> tuple[str, Callable[[str], str]]:
    """One table's quoted name, and col(field): its quoted "table"."column"."""
    quote, column = _names(alias)
    return quote(meta.db_table), partial(column, meta)


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


@lru_cache(maxsize=64)
def rows_sql(alias: str, count: int, *, names: bool = True) -> str:
    """Appointments (not cancelled) of `count` calendars, as main calendar or as resource, overlapping
    [start, end), by start; parameters: rows_params(). Each row ends with its patient's birth, used and first
    names, or with `names=False` its patient's id (the names then come from patients.namecache).

    Two branches rather than one OR, so that each has its index: the appointments of the calendars are read
    from the covering (calendar, start, ...) index alone, those in which a calendar is the resource from the
    (resource, start) index. The lower bound on start bounds both ranges."""
    quote, col = _names(alias)
    appt, kind = Appointment._meta, AppointmentType._meta
    person = appt.get_field("patient").related_model._meta
    ids = _placeholders(count)
    fields = [col(appt, f) for f in ("id", "calendar", "resource", "start", "end", "status", "series", "type")]
    fields.append(col(kind, "name"))
    joins = f" LEFT OUTER JOIN {quote(kind.db_table)} ON {col(appt, 'type')} = {col(kind, 'id')}"
    if names:
        fields += [col(person, f) for f in ("birth_name", "used_name", "first_names")]
        joins += f" INNER JOIN {quote(person.db_table)} ON {col(appt, 'patient')} = {col(person, 'id')}"
    else:
        fields.append(col(appt, "patient"))
    # Only quoted names and placeholders go into the text.
    select = f"SELECT {', '.join(fields)} FROM {quote(appt.db_table)}{joins}"  # noqa: S608
    when = (f" AND {col(appt, 'start')} < %s AND {col(appt, 'end')} > %s AND {col(appt, 'start')} >= %s"
            f" AND {col(appt, 'status')} IN ({_placeholders(len(GRID_STATUSES))})")
    return (f"{select} WHERE {col(appt, 'calendar')} IN ({ids}){when}"
            f" UNION ALL {select} WHERE {col(appt, 'resource')} IN ({ids})"
            f" AND {col(appt, 'calendar')} NOT IN ({ids}){when}"
            " ORDER BY 4, 1")  # start, then id


def rows_params(db, ids: list[int], start: datetime.datetime, end: datetime.datetime) -> list:
    adapt = db.ops.adapt_datetimefield_value
    when = [adapt(end), adapt(start), adapt(start - LONGEST_APPOINTMENT), *GRID_STATUSES]
    return [*ids, *when, *ids, *ids, *when]


BUSY_FIELDS = ("id", "calendar", "start", "end", "reason", "kind", "rule", "exdates")


@lru_cache(maxsize=64)
def busy_sql(alias: str, count: int) -> str:
    """Unavailability of `count` calendars and of the whole practice that may overlap [start, end): a single one
    overlapping it, a recurring one begun before its end and not over before its start; by start.
    Parameters: the ids, end, start, start."""
    table, col = _table(alias, Unavailability._meta)
    mine = f"{col('calendar')} IN ({_placeholders(count)}) OR " if count else ""
    return (f"SELECT {', '.join(col(f) for f in BUSY_FIELDS)} FROM {table}"  # noqa: S608
            f" WHERE ({mine}{col('calendar')} IS NULL) AND {col('start')} < %s"
            f" AND (({col('rule')} = '' AND {col('end')} > %s)"
            f" OR ({col('rule')} <> '' AND ({col('rule_until')} IS NULL OR {col('rule_until')} > %s)))"
            f" ORDER BY {col('start')}")


def busy_params(db, ids: list[int], start: datetime.datetime, end: datetime.datetime) -> list:
    adapt = db.ops.adapt_datetimefield_value
    return [*ids, adapt(end), adapt(start), adapt(start)]


@lru_cache(maxsize=64)
def hours_sql(alias: str, count: int) -> str:
    """Opening hours of `count` calendars: calendar, weekday, from, to; by from. Parameters: the ids."""
    table, col = _table(alias, OpeningHours._meta)
    fields = ", ".join(col(f) for f in ("calendar", "weekday", "start", "end"))
    return (f"SELECT {fields} FROM {table}"  # noqa: S608
            f" WHERE {col('calendar')} IN ({_placeholders(count)})"
            f" ORDER BY {col('start')}")


def time_of(value) -> datetime.time:
    return datetime.time.fromisoformat(value) if isinstance(value, str) else value


def fetch(alias: str, sql: str, params: list) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def aware(db):
    """A function from a database datetime to an aware one, as the ORM gives it: SQLite gives naive datetimes in
    the connection's time zone (UTC), PostgreSQL aware ones; the ORM's converters are bypassed here."""
    db_tz = db.timezone

    def convert(value):
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        return value.replace(tzinfo=db_tz) if value.tzinfo is None else value

    return convert


def wall_clock(db, tz):
    """A function from a database datetime to naive local wall-clock time in `tz`.

    A UTC day without a daylight-saving change (all but two a year) has one offset: its values are shifted by it,
    one addition each; the values of the other days are converted one by one.
    """
    to_aware, shifts = aware(db), {}
    one_day = datetime.timedelta(days=1)

    def convert(value):
        if isinstance(value, datetime.datetime) and value.tzinfo is None and db.timezone is datetime.UTC:
            day = value.date()
            shift = shifts.get(day, False)
            if shift is False:
                midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
                shift = midnight.astimezone(tz).utcoffset()
                if shift != (midnight + one_day).astimezone(tz).utcoffset():
                    shift = None
                shifts[day] = shift
            if shift is not None:
                return value + shift
        return to_aware(value).astimezone(tz).replace(tzinfo=None)

    return convert
