"""Reads of the agenda: bounded by time range and calendar, shaped for the views (indexes on calendar, start)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays as holidays_lib
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from intramuros.agenda import recurrence
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

MAX_RANGE_DAYS = 62  # no view asks for more than about two months at once


@dataclass(frozen=True)
class Busy:
    """One occurrence of an unavailability (recurring ones expanded)."""

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
    """Grid rows of the calendars overlapping [start, end): one query, tuples, no model instances."""
    _check_range(start, end)
    ids = list(calendar_ids)
    tz = local_tz()
    rows = (Appointment.objects.filter(Q(calendar_id__in=ids) | Q(resource_id__in=ids), start__lt=end, end__gt=start,
                                       start__gte=start - datetime.timedelta(hours=12),
                                       status__in=ACTIVE_STATUSES + (Status.NO_SHOW,))
            .order_by("start")
            .values_list("pk", "calendar_id", "resource_id", "start", "end", "status", "series_id", "type_id",
                         "type__name", "patient__birth_name", "patient__used_name", "patient__first_names"))
    result = []
    for pk, cal, res, s, e, status, series, type_id, type_name, birth, used, first in rows:
        result.append(Row(pk, cal, res, s.astimezone(tz).replace(tzinfo=None), e.astimezone(tz).replace(tzinfo=None),
                          status, series, type_id, type_name or "", f"{(used or birth).upper()} {first}"))
    return result


def busy_between(*, calendar_ids, start, end) -> list[Busy]:
    """Unavailability occurrences of the calendars (and practice-wide ones) overlapping [start, end)."""
    ids = list(calendar_ids)
    rows = Unavailability.objects.filter(Q(calendar_id__in=ids) | Q(calendar__isnull=True)).filter(
        Q(rule="", start__lt=end, end__gt=start)
        | (~Q(rule="") & Q(start__lt=end) & (Q(rule_until__isnull=True) | Q(rule_until__gt=start))))
    found: list[Busy] = []
    for row in rows.only("id", "calendar_id", "start", "end", "reason", "kind", "rule", "exdates"):
        if not row.rule:
            found.append(Busy(row.start, row.end, row.calendar_id, row.reason, row.kind, row.pk))
            continue
        found.extend(expand_unavailability(row, start, end))
    found.sort(key=lambda b: b.start)
    return found


def expand_unavailability(row: Unavailability, start, end) -> list[Busy]:
    from intramuros.agenda.timeutil import make_local

    duration = row.end - row.start
    local_start = to_local_naive(row.start)
    rule = recurrence.parse_cached(row.rule, local_start)
    skipped = set(row.exdates.split()) if row.exdates else ()
    result = []
    for when in recurrence.between(rule, to_local_naive(start), to_local_naive(end), duration=duration):
        if skipped and when.strftime("%Y-%m-%dT%H:%M") in skipped:
            continue
        try:
            begin = make_local(when)
        except ValidationError:  # an occurrence in a DST gap is skipped rather than shifted
            continue
        result.append(Busy(begin, begin + duration, row.calendar_id, row.reason, row.kind, row.pk))
    return result


@lru_cache(maxsize=32)
def _holidays(region: str, year: int) -> dict[datetime.date, str]:
    kwargs = {"subdiv": region} if region else {}
    return dict(holidays_lib.France(years=year, language="fr", **kwargs))


def public_holidays(first: datetime.date, last: datetime.date, *, region: str | None = None) -> dict:
    """Public holidays (date -> name) between two dates, Alsace-Moselle included when configured."""
    region = AgendaSettings.current().holiday_region if region is None else region
    found = {}
    for year in range(first.year, last.year + 1):
        found.update({d: n for d, n in _holidays(region, year).items() if first <= d <= last})
    return found


def opening_hours_map(calendar_ids) -> dict[int, dict[int, list[tuple[datetime.time, datetime.time]]]]:
    """calendar id -> weekday -> [(from, to)]; a calendar without any row is open all the time."""
    result: dict[int, dict[int, list]] = {}
    for oh in OpeningHours.objects.filter(calendar_id__in=list(calendar_ids)).order_by("start"):
        result.setdefault(oh.calendar_id, {}).setdefault(oh.weekday, []).append((oh.start, oh.end))
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
