"""Free slots offered on the public booking page: opening hours minus everything already taken."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from intramuros.agenda.models import ACTIVE_STATUSES, AgendaSettings, Appointment, BookingRequest, Calendar
from intramuros.agenda.selectors import busy_between, opening_hours_map, public_holidays
from intramuros.agenda.timeutil import day_bounds, make_local

MIN_NOTICE = datetime.timedelta(hours=2)


def free_slots(*, calendar: Calendar, type_, first_day: datetime.date, days: int) -> dict[datetime.date, list]:
    """day -> free aware start times for `type_` on `calendar` (only where opening hours are set)."""
    hours = opening_hours_map([calendar.pk]).get(calendar.pk)
    if not hours:
        return {}
    length = datetime.timedelta(minutes=type_.duration_minutes)
    start, _ = day_bounds(first_day)
    _, end = day_bounds(first_day + datetime.timedelta(days=days - 1))
    taken = list(Appointment.objects.filter(Q(calendar=calendar) | Q(resource=calendar), status__in=ACTIVE_STATUSES,
                                            start__lt=end, end__gt=start).values_list("start", "end"))
    taken += list(BookingRequest.objects.filter(calendar=calendar, state=BookingRequest.State.PENDING,
                                                start__lt=end, end__gt=start).values_list("start", "end"))
    taken += [(b.start, b.end) for b in busy_between(calendar_ids=[calendar.pk], start=start, end=end)]
    agenda_settings = AgendaSettings.cached()
    feasts = (public_holidays(first_day, first_day + datetime.timedelta(days=days),
                              region=agenda_settings.holiday_region)
              if agenda_settings.closed_on_public_holidays else {})
    earliest = timezone.now() + MIN_NOTICE
    result: dict[datetime.date, list] = {}
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        if day in feasts:
            continue
        for opens, closes in hours.get(day.weekday(), []):
            cursor = datetime.datetime.combine(day, opens)
            stop = datetime.datetime.combine(day, closes)
            while cursor + length <= stop:
                try:
                    slot = make_local(cursor)
                except ValidationError:  # a DST gap is simply not offered
                    cursor += length
                    continue
                slot_end = slot + length
                if slot >= earliest and not any(s < slot_end and e > slot for s, e in taken):
                    result.setdefault(day, []).append(slot)
                cursor += length
    return result


def is_offered_slot(*, calendar: Calendar, type_, start: datetime.datetime) -> bool:
    day = timezone.localtime(start).date()
    return start in free_slots(calendar=calendar, type_=type_, first_day=day, days=1).get(day, [])
