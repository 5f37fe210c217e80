"""Reads of the agenda: bounded by time range and calendar, shaped for the views (indexes on calendar, start)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import holidays as holidays_lib
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from intramuros.agenda import gridsql, recurrence
from intramuros.agenda.models import (
    ACTIVE_STATUSES,
    AgendaSettings,
    Appointment,
    AppointmentType,
    BookingRequest,
    Calendar,
    CalendarKind,
    OpeningHours,
    Status,
    Unavailability,
)
from intramuros.agenda.timeutil import local_tz, to_local_naive
from intramuros.core.prepared import Prepared
from intramuros.patients import namecache

MAX_RANGE_DAYS = 62  # no view asks for more than about two months at once


class Busy(NamedTuple):
    """One occurrence of an unavailability (recurring ones expanded); a named tuple: a month of a practice's
    recurring unavailability is hundreds of them, built three times faster than frozen dataclasses."""

    start: datetime.datetime
    end: datetime.datetime
    calendar_id: int | None
    reason: str
    kind: str
    source_id: int


def _check_range(start, end) -> None:
    if end <= start or end - start > datetime.timedelta(days=MAX_RANGE_DAYS):
        raise ValueError("agenda queries are bounded to two months")


def practitioner_calendars(*, active: bool = True):
    qs = Calendar.objects.filter(kind=CalendarKind.PRACTITIONER).select_related("practitioner")
    return qs.filter(active=True) if active else qs


def resource_calendars():
    return Calendar.objects.filter(active=True).exclude(kind=CalendarKind.PRACTITIONER)


_ACTIVE_CALENDARS = Prepared(lambda: Calendar.objects.filter(active=True))  # every agenda page: compiled once


def grid_calendars() -> tuple[list[Calendar], list[Calendar]]:
    """The active practitioners' and resources' calendars, in the order of the two selectors above, in one
    light query (the grids show their names only)."""
    practitioners, resources = [], []
    for cal in _ACTIVE_CALENDARS.list():
        (practitioners if cal.kind == CalendarKind.PRACTITIONER else resources).append(cal)
    return practitioners, resources


def calendar_of(user) -> Calendar | None:
    return Calendar.objects.filter(practitioner=user).first() if user.is_authenticated else None


def appointments_between(*, calendar_ids, start, end, with_cancelled: bool = False):
    """Appointments of the calendars (as main calendar or as resource) overlapping [start, end)."""
    _check_range(start, end)
    ids = list(calendar_ids)
    qs = (Appointment.objects.filter(Q(calendar_id__in=ids) | Q(resource_id__in=ids), start__lt=end, end__gt=start)
          # The longest appointment is 10 h: this lower bound lets the (calendar, start) index do the work.
          .filter(start__gte=start - datetime.timedelta(hours=12))
          .select_related("patient", "type")
          .only("id", "calendar_id", "resource_id", "start", "end", "status", "note", "series_id", "forced",
                "patient__id", "patient__birth_name", "patient__used_name", "patient__first_names",
                "type__id", "type__name", "type__colour"))
    if not with_cancelled:
        qs = qs.filter(status__in=ACTIVE_STATUSES + (Status.NO_SHOW,))
    return qs.order_by("start")


@dataclass(slots=True)
class Row:
    """An appointment as the grids need it: light (no model instances), local times computed once."""

    pk: int
    calendar_id: int
    resource_id: int | None
    start: datetime.datetime  # naive, local wall-clock
    end: datetime.datetime
    status: str
    series_id: int | None
    type_id: int | None
    type_name: str
    patient: str


def appointment_rows(*, calendar_ids, start, end) -> list[Row]:
    """Grid rows of the calendars (as main calendar or as resource) overlapping [start, end): one query written
    out (gridsql), tuples, no model instances, each distinct time converted to local time once. On the embedded
    database the patients' names come from the names each thread keeps (patients.namecache): joined, their
    rows were most of the pages a week read, again after every other process's commit."""
    _check_range(start, end)
    ids = [int(pk) for pk in calendar_ids]
    if not ids:
        return []
    db = connections[router.db_for_read(Appointment)]
    kept = namecache.enabled()
    fetched = gridsql.fetch(db.alias, gridsql.rows_sql(db.alias, len(ids), names=not kept),
                            gridsql.rows_params(db, ids, start, end))
    if kept:
        names = namecache.names_of(row[-1] for row in fetched)
        fetched = [(*row[:-1], person.birth_name, person.used_name, person.first_names)
                   for row in fetched if (person := names.get(row[-1])) is not None]
    wall = gridsql.wall_clock(db, local_tz())
    return [Row(pk, cal, res, wall(s), wall(e), status, series, type_id, type_name or "",
                f"{(used or birth).upper()} {first}")
            for pk, cal, res, s, e, status, series, type_id, type_name, birth, used, first in fetched]


def busy_between(*, calendar_ids, start, end) -> list[Busy]:
    """Unavailability occurrences of the calendars (and practice-wide ones) overlapping [start, end)."""
    ids = [int(pk) for pk in calendar_ids]
    db = connections[router.db_for_read(Unavailability)]
    rows = gridsql.fetch(db.alias, gridsql.busy_sql(db.alias, len(ids)), gridsql.busy_params(db, ids, start, end))
    aware = gridsql.aware(db)
    found: list[Busy] = []
    gaps = _GapDays()
    for pk, calendar_id, first, last, reason, kind, rule, exdates in rows:
        if not rule:
            found.append(Busy(aware(first), aware(last), calendar_id, reason, kind, pk))
        else:
            found += _expand(pk, calendar_id, aware(first), aware(last), reason, kind, rule, exdates, start, end,
                             gaps)
    found.sort(key=lambda b: b.start)
    return found


def expand_unavailability(row: Unavailability, start, end) -> list[Busy]:
    values = (getattr(row, Unavailability._meta.get_field(f).attname) for f in gridsql.BUSY_FIELDS)
    return _expand(*values, start, end, _GapDays())


class _GapDays:
    """Which local days have a daylight-saving change: only there can a wall-clock time fall in a gap, so the
    exact check (a round trip through UTC) is done on those days only, not on every occurrence."""

    def __init__(self):
        self.tz, self.known = local_tz(), {}

    def in_gap(self, when: datetime.datetime) -> bool:
        day = when.date()
        changes = self.known.get(day)
        if changes is None:
            midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=self.tz)
            changes = self.known[day] = midnight.utcoffset() != (midnight + datetime.timedelta(days=1)).utcoffset()
        if not changes:
            return False
        aware = when.replace(tzinfo=self.tz)
        return aware.astimezone(datetime.UTC).astimezone(self.tz).replace(tzinfo=None) != when


def _expand(pk, calendar_id, first, last, reason, kind, rule, exdates, start, end, gaps: _GapDays) -> list[Busy]:
    """Occurrences of one recurring unavailability (first, last: its first occurrence) overlapping [start, end)."""
    tz = gaps.tz
    duration = last - first
    parsed = recurrence.window_rule(rule, first.astimezone(tz).replace(tzinfo=None))
    skipped = set(exdates.split()) if exdates else ()
    result = []
    for when in recurrence.between(parsed, to_local_naive(start), to_local_naive(end), duration=duration):
        if skipped and when.strftime("%Y-%m-%dT%H:%M") in skipped:
            continue
        if gaps.in_gap(when):  # skipped rather than shifted, as timeutil.make_local refuses such a time
            continue
        begin = when.replace(tzinfo=tz)
        result.append(Busy(begin, begin + duration, calendar_id, reason, kind, pk))
    return result


@lru_cache(maxsize=32)
def _holidays(region: str, year: int) -> dict[datetime.date, str]:
    kwargs = {"subdiv": region} if region else {}
    return dict(holidays_lib.France(years=year, language="fr", **kwargs))


def public_holidays(first: datetime.date, last: datetime.date, *, region: str | None = None) -> dict:
    """Public holidays (date -> name) between two dates, Alsace-Moselle included when configured."""
    region = AgendaSettings.cached().holiday_region if region is None else region
    found = {}
    for year in range(first.year, last.year + 1):
        found.update({d: n for d, n in _holidays(region, year).items() if first <= d <= last})
    return found


def opening_hours_map(calendar_ids) -> dict[int, dict[int, list[tuple[datetime.time, datetime.time]]]]:
    """calendar id -> weekday -> [(from, to)]; a calendar without any row is open all the time."""
    ids = [int(pk) for pk in calendar_ids]
    result: dict[int, dict[int, list]] = {}
    if not ids:
        return result
    alias = router.db_for_read(OpeningHours)
    for calendar_id, weekday, start, end in gridsql.fetch(alias, gridsql.hours_sql(alias, len(ids)), ids):
        result.setdefault(calendar_id, {}).setdefault(weekday, []).append((gridsql.time_of(start),
                                                                            gridsql.time_of(end)))
    return result


def types_for(*, calendar: Calendar | None = None, online: bool = False):
    qs = AppointmentType.objects.filter(active=True)
    if calendar is not None and calendar.practitioner_id:
        qs = qs.filter(Q(practitioners=calendar.practitioner_id) | Q(practitioners__isnull=True)).distinct()
    if online:
        qs = qs.filter(bookable_online=True)
    return qs


def patient_appointments(*, patient, limit: int = 200):
    return (Appointment.objects.filter(patient=patient).select_related("calendar", "type")
            .order_by("-start")[:limit])


def no_show_count(*, patient) -> int:
    return Appointment.objects.filter(patient=patient, status=Status.NO_SHOW).count()


def waiting_room(*, day: datetime.date, calendar_ids=None):
    from intramuros.agenda.timeutil import day_bounds

    start, end = day_bounds(day)
    qs = (Appointment.objects.filter(start__gte=start, start__lt=end).exclude(status=Status.CANCELLED)
          .select_related("patient", "calendar", "type"))
    if calendar_ids is not None:
        qs = qs.filter(calendar_id__in=list(calendar_ids))
    return qs.order_by("start")


def pending_booking_requests():
    return (BookingRequest.objects.filter(state=BookingRequest.State.PENDING, start__gte=timezone.now())
            .select_related("calendar", "type").order_by("start"))


def change_log(*, limit: int = 200, calendar_ids=None):
    qs = Appointment.history.select_related("history_user", "patient", "calendar").order_by("-history_date")
    if calendar_ids is not None:
        qs = qs.filter(calendar_id__in=list(calendar_ids))
    return qs[:limit]


def tz_name() -> str:
    return str(local_tz())
