"""Demo agenda: types, opening hours, four weeks either side of today, a few series, today's waiting room."""

from __future__ import annotations

import datetime

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from intramuros.agenda import services
from intramuros.agenda.models import (
    AgendaSettings,
    Appointment,
    AppointmentType,
    Calendar,
    CalendarKind,
    OpeningHours,
    Status,
)
from intramuros.agenda.selectors import public_holidays
from intramuros.agenda.timeutil import make_local

TYPES = [
    # name, minutes, colour, online, specialties offering it (None: everyone)
    ("Consultation", 20, "#2b6cb0", True, None),
    ("Première consultation", 30, "#6b46c1", False, None),
    ("Vaccination", 15, "#2f855a", True, None),
    ("Suivi de grossesse", 30, "#d53f8c", False, {"Gynécologie-obstétrique"}),
    ("Échographie", 30, "#dd6b20", False, {"Gynécologie-obstétrique"}),
    ("Visite à domicile", 45, "#718096", False, {"Médecine générale"}),
]
MORNING = (datetime.time(8, 30), datetime.time(12, 0))
AFTERNOON = (datetime.time(14, 0), datetime.time(19, 0))


def _types(ctx) -> list[AppointmentType]:
    result = []
    for name, minutes, colour, online, specialties in TYPES:
        t, _ = AppointmentType.objects.get_or_create(
            name=name, defaults={"duration_minutes": minutes, "colour": colour, "bookable_online": online})
        if specialties:
            t.practitioners.set([u for u in ctx.practitioners if u.specialty in specialties])
        result.append(t)
    return result


def _hours(calendar: Calendar, saturday: bool) -> None:
    rows = []
    for weekday in range(5):
        rows += [OpeningHours(calendar=calendar, weekday=weekday, start=MORNING[0], end=MORNING[1]),
                 OpeningHours(calendar=calendar, weekday=weekday, start=AFTERNOON[0], end=AFTERNOON[1])]
    if saturday:
        rows.append(OpeningHours(calendar=calendar, weekday=5, start=datetime.time(9), end=datetime.time(12)))
    OpeningHours.objects.bulk_create(rows)


def _day_appointments(ctx, calendar, day, types, today, now) -> list[Appointment]:
    rng = ctx.rng
    offered = [t for t in types if not t.practitioners.exists() or calendar.practitioner in t.practitioners.all()]
    hours = [MORNING, AFTERNOON] if day.weekday() < 5 else [(datetime.time(9), datetime.time(12))]
    result = []
    for opens, closes in hours:
        cursor = datetime.datetime.combine(day, opens)
        stop = datetime.datetime.combine(day, closes)
        while cursor < stop:
            kind = rng.choice(offered[:3]) if rng.random() < 0.75 else rng.choice(offered)
            length = datetime.timedelta(minutes=kind.duration_minutes)
            if cursor + length > stop:
                break
            if rng.random() < 0.7:
                start = make_local(cursor)
                appt = Appointment(calendar=calendar, patient=rng.choice(ctx.patients), type=kind, start=start,
                                   end=start + length, created_by=calendar.practitioner)
                _past_state(rng, appt, day, today, now)
                result.append(appt)
            cursor += length + datetime.timedelta(minutes=rng.choice([0, 0, 0, 10]))
    return result


def _past_state(rng, appt: Appointment, day, today, now) -> None:
    """Past appointments were seen (a few missed or cancelled); today's follow the clock."""
    if appt.end <= now:
        roll = rng.random()
        if roll < 0.05:
            appt.status, appt.no_show_at = Status.NO_SHOW, appt.end
        elif roll < 0.1:
            appt.status, appt.cancelled_at, appt.cancel_reason = (Status.CANCELLED, appt.start -
                                                                  datetime.timedelta(days=1), "Empêchement")
        else:
            appt.status = Status.DONE
            appt.arrived_at = appt.start - datetime.timedelta(minutes=rng.randint(2, 15))
            appt.consultation_at = appt.start + datetime.timedelta(minutes=rng.randint(0, 10))
            appt.done_at = appt.end + datetime.timedelta(minutes=rng.randint(0, 5))
    elif day == today and appt.start <= now:
        appt.status, appt.arrived_at = Status.IN_CONSULTATION, appt.start - datetime.timedelta(minutes=5)
        appt.consultation_at = appt.start
    elif day == today and appt.start <= now + datetime.timedelta(minutes=40):
        appt.status, appt.arrived_at = Status.ARRIVED, now - datetime.timedelta(minutes=rng.randint(1, 10))


def populate(ctx) -> None:
    settings = AgendaSettings.current()
    settings.holiday_region = "6AE"  # the demo practice is in Strasbourg
    settings.save()
    types = _types(ctx)
    calendars = []
    for i, user in enumerate(ctx.practitioners):
        calendar = services.calendar_ensure(practitioner=user)
        _hours(calendar, saturday=i == 0)
        calendars.append(calendar)
    Calendar.objects.get_or_create(kind=CalendarKind.ROOM, name="Salle de soins")
    Calendar.objects.get_or_create(kind=CalendarKind.EQUIPMENT, name="Échographe")
    today = ctx.today
    now = timezone.now()
    first, last = today - datetime.timedelta(days=28), today + datetime.timedelta(days=28)
    feasts = public_holidays(first, last, region=settings.holiday_region)
    # An absence and a recurring half-day elsewhere, created first so that the bookings avoid them.
    away = today + datetime.timedelta(days=14 - today.weekday())
    if len(calendars) > 1:
        services.unavailability_create(actor=None, calendar=calendars[1], kind="holiday", reason="Congés",
                                       start=make_local(datetime.datetime.combine(away, datetime.time(0))),
                                       end=make_local(datetime.datetime.combine(away + datetime.timedelta(days=5),
                                                                                datetime.time(0))))
    thursday = today + datetime.timedelta(days=(3 - today.weekday()) % 7)
    if len(calendars) > 2:
        services.unavailability_create(actor=None, calendar=calendars[2], reason="Consultations à l'hôpital",
                                       start=make_local(datetime.datetime.combine(thursday, AFTERNOON[0])),
                                       end=make_local(datetime.datetime.combine(thursday, AFTERNOON[1])),
                                       rule="FREQ=WEEKLY;COUNT=8")
    _series(ctx, calendars, types, today)
    taken = {}
    for cal_id, start, end in Appointment.objects.values_list("calendar_id", "start", "end"):
        taken.setdefault(cal_id, []).append((start, end))
    rows = []
    for calendar in calendars:
        day = first
        while day <= last:
            blocked = (day in feasts or day.weekday() == 6 or (day.weekday() == 5 and calendar != calendars[0])
                       or (len(calendars) > 1 and calendar == calendars[1] and away <= day < away
                           + datetime.timedelta(days=5))
                       or (len(calendars) > 2 and calendar == calendars[2] and day.weekday() == 3 and day >= thursday))
            if not blocked:
                rows += [a for a in _day_appointments(ctx, calendar, day, types, today, now)
                         if not any(s < a.end and e > a.start for s, e in taken.get(calendar.pk, ()))]
            day += datetime.timedelta(days=1)
    # The afternoon of a Thursday is taken by the hospital for the third practitioner: mornings only then.
    rows = [r for r in rows if not (len(calendars) > 2 and r.calendar == calendars[2] and
                                    timezone.localtime(r.start).date().weekday() == 3 and
                                    timezone.localtime(r.start).date() >= thursday and
                                    timezone.localtime(r.start).time() >= AFTERNOON[0])]
    bulk_create_with_history(rows, Appointment, batch_size=500)


def _series(ctx, calendars, types, today) -> None:
    """Two weekly follow-ups late in the afternoon, booked before the rest (which avoids them)."""
    monday = today - datetime.timedelta(days=today.weekday())
    for calendar, weekday, hour in ((calendars[0], 1, 18), (calendars[-1], 2, 18)):
        start = make_local(datetime.datetime.combine(monday + datetime.timedelta(days=weekday - 7),
                                                     datetime.time(hour, 30)))
        services.appointment_book(actor=calendar.practitioner, calendar=calendar, patient=ctx.rng.choice(ctx.patients),
                                  start=start, duration_minutes=20, type=types[0], rule="FREQ=WEEKLY;COUNT=8",
                                  note="Suivi hebdomadaire", force=True)
