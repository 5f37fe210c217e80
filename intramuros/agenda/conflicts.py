"""Why a time cannot be booked: another appointment, outside opening hours, an absence, a public holiday.

All intervals of a series are checked with one query per kind over the series' whole span.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from intramuros.agenda.models import ACTIVE_STATUSES, AgendaSettings, Appointment, Calendar
from intramuros.agenda.selectors import busy_between, opening_hours_map, public_holidays
from intramuros.agenda.timeutil import to_local_naive


class ConflictError(Exception):
    """Raised by the services when a booking conflicts and was not confirmed ("book anyway")."""

    def __init__(self, conflicts: list[str]):
        super().__init__("; ".join(conflicts))
        self.conflicts = conflicts


def _fmt(value: datetime.datetime) -> str:
    return formats.date_format(to_local_naive(value), "SHORT_DATETIME_FORMAT")


def _hours_text(ranges) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges) or _("closed")


def find_conflicts(*, calendar: Calendar, resource: Calendar | None,
                   intervals: Iterable[tuple[datetime.datetime, datetime.datetime]],
                   exclude_ids: Iterable[int] = (), limit: int = 10) -> list[str]:
    """Plain-language reasons the intervals cannot be booked (at most `limit`); empty when all is free."""
    intervals = sorted(intervals)
    if not intervals:
        return []
    span_start, span_end = intervals[0][0], max(e for _s, e in intervals)
    cal_ids = [calendar.pk] + ([resource.pk] if resource else [])
    # No appointment lasts more than 10 hours (services.MAX_MINUTES): bounding the start keeps this an index
    # range instead of a scan of the calendar's whole past.
    taken = list(Appointment.objects.filter(Q(calendar_id__in=cal_ids) | Q(resource_id__in=cal_ids),
                                            status__in=ACTIVE_STATUSES, start__lt=span_end, end__gt=span_start,
                                            start__gte=span_start - datetime.timedelta(hours=12))
                 .exclude(pk__in=list(exclude_ids)).values_list("start", "end", "calendar_id", "resource_id"))
    busy = _busy(cal_ids, span_start, span_end)
    hours = opening_hours_map([calendar.pk]).get(calendar.pk)
    agenda_settings = AgendaSettings.cached()
    local_days = [to_local_naive(s).date() for s, _e in intervals]
    feasts = (public_holidays(min(local_days), max(local_days), region=agenda_settings.holiday_region)
              if agenda_settings.closed_on_public_holidays else {})
    problems: list[str] = []
    for start, end in intervals:
        problems.extend(_check_one(start, end, calendar, resource, taken, busy, hours, feasts))
        if len(problems) >= limit:
            break
    return problems[:limit]


def _busy(cal_ids, span_start, span_end):
    return busy_between(calendar_ids=cal_ids, start=span_start, end=span_end)


def _check_one(start, end, calendar, resource, taken, busy, hours, feasts) -> list[str]:
    problems = []
    when = _fmt(start)
    for t_start, t_end, cal_id, res_id in taken:
        if t_start < end and t_end > start:
            if cal_id == calendar.pk or res_id == calendar.pk:
                problems.append(_("%(when)s: %(calendar)s already has an appointment from %(a)s to %(b)s.") % {
                    "when": when, "calendar": calendar, "a": f"{to_local_naive(t_start):%H:%M}",
                    "b": f"{to_local_naive(t_end):%H:%M}"})
            else:
                problems.append(_("%(when)s: %(resource)s is already booked from %(a)s to %(b)s.") % {
                    "when": when, "resource": resource, "a": f"{to_local_naive(t_start):%H:%M}",
                    "b": f"{to_local_naive(t_end):%H:%M}"})
            break
    for b in busy:
        if b.start < end and b.end > start:
            problems.append(_("%(when)s falls during an unavailability (%(reason)s).") % {
                "when": when, "reason": b.reason or _("absence")})
            break
    local_start, local_end = to_local_naive(start), to_local_naive(end)
    if hours is not None:
        ranges = hours.get(local_start.weekday(), [])
        fits = local_start.date() == local_end.date() and any(
            a <= local_start.time() and local_end.time() <= b for a, b in ranges)
        if not fits:
            problems.append(_("%(when)s is outside the opening hours (%(hours)s).") % {
                "when": when, "hours": _hours_text(ranges)})
    feast = feasts.get(local_start.date())
    if feast:
        problems.append(_("%(when)s is a public holiday (%(name)s).") % {"when": when, "name": feast})
    return problems
