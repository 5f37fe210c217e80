"""iCalendar (RFC 5545) export, the read-only feed, and import as "busy" blocks.

Imports are bounded (size, number of events, rule expansion) and all-or-nothing.
"""

from __future__ import annotations

import datetime

import icalendar
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.agenda.models import (
    ACTIVE_STATUSES,
    Appointment,
    Calendar,
    FeedPrivacy,
    Status,
    Unavailability,
)
from intramuros.agenda.timeutil import local_tz

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_EVENTS = 1000
MAX_EXPORT_EVENTS = 5000
PRODID = "-//Intramuros//Agenda//FR"


def _initials(patient) -> str:
    parts = [patient.first_names[:1], (patient.used_name or patient.birth_name)[:1]]
    return ".".join(p.upper() for p in parts if p) + "."


def _summary(appointment: Appointment, privacy: str | None) -> str:
    if privacy == FeedPrivacy.BUSY:
        return _("Busy")
    kind = appointment.type.name if appointment.type_id else ""
    who = _initials(appointment.patient) if privacy == FeedPrivacy.INITIALS else str(appointment.patient)
    return f"{who} · {kind}" if kind else who


def export_ics(*, calendar: Calendar, start: datetime.datetime, end: datetime.datetime,
               privacy: str | None = None) -> bytes:
    """The calendar's appointments and unavailability between two times; `privacy` hides the patients."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", str(calendar))
    cal.add("x-wr-timezone", str(local_tz()))
    appointments = (Appointment.objects.filter(Q(calendar=calendar) | Q(resource=calendar), start__lt=end,
                                               end__gt=start, status__in=ACTIVE_STATUSES + (Status.NO_SHOW,))
                    .select_related("patient", "type").order_by("start")[:MAX_EXPORT_EVENTS])
    now = timezone.now()
    for appointment in appointments:
        event = icalendar.Event()
        event.add("uid", f"appointment-{appointment.pk}@intramuros")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("summary", _summary(appointment, privacy))
        if privacy is None and appointment.note:
            event.add("description", appointment.note)
        cal.add_component(event)
    busy = Unavailability.objects.filter(Q(calendar=calendar) | Q(calendar__isnull=True), start__lt=end).filter(
        Q(rule="", end__gt=start) | (~Q(rule="") & (Q(rule_until__isnull=True) | Q(rule_until__gt=start))))
    for item in busy.order_by("start")[:MAX_EXPORT_EVENTS]:
        event = icalendar.Event()
        event.add("uid", item.uid or f"unavailability-{item.pk}@intramuros")
        event.add("dtstamp", now)
        event.add("dtstart", timezone.localtime(item.start))
        event.add("dtend", timezone.localtime(item.end))
        event.add("summary", _("Busy") if privacy == FeedPrivacy.BUSY else (item.reason or item.get_kind_display()))
        if item.rule:
            event.add("rrule", icalendar.vRecur.from_ical(item.rule))
            for stamp in item.exdates.split():
                event.add("exdate", datetime.datetime.fromisoformat(stamp).replace(tzinfo=local_tz()))
        cal.add_component(event)
    return cal.to_ical()


def _as_datetime(value) -> datetime.datetime:
    """DATE values become local midnight; floating times are read as local time."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=local_tz())
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time.min).replace(tzinfo=local_tz())
    raise ValueError("not a date")


def parse_ics(data: bytes) -> list[dict]:
    """The events of an .ics file, checked; a clear ValidationError for anything malformed or too big."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is too large (%(size)s kB): import at most %(max)s kB at a time.")
                              % {"size": len(data) // 1024, "max": MAX_IMPORT_BYTES // 1024}, code="too_big")
    try:
        cal = icalendar.Calendar.from_ical(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, IndexError, KeyError, TypeError) as exc:
        raise ValidationError(_("This is not a valid iCalendar (.ics) file: %(error)s") % {"error": str(exc)[:120]},
                              code="malformed") from None
    if getattr(cal, "name", "") != "VCALENDAR":
        raise ValidationError(_("This is not a valid iCalendar (.ics) file: it has no VCALENDAR."), code="malformed")
    events = list(cal.walk("VEVENT"))
    if len(events) > MAX_IMPORT_EVENTS:
        raise ValidationError(_("The file holds %(n)s events: import at most %(max)s at a time.")
                              % {"n": len(events), "max": MAX_IMPORT_EVENTS}, code="too_many")
    parsed = []
    for number, event in enumerate(events, start=1):
        try:
            start = _as_datetime(event.decoded("dtstart"))
            if "dtend" in event:
                end = _as_datetime(event.decoded("dtend"))
            elif "duration" in event:
                end = start + event.decoded("duration")
            else:
                end = start + datetime.timedelta(days=1 if not isinstance(event.decoded("dtstart"),
                                                                          datetime.datetime) else 0, hours=1)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValidationError(_("Event %(n)s has no valid start or end (%(error)s): fix the file and import "
                                    "it again; nothing was imported.") % {"n": number, "error": exc},
                                  code="malformed") from None
        if end <= start:
            raise ValidationError(_("Event %(n)s ends before it starts: fix the file and import it again; nothing "
                                    "was imported.") % {"n": number}, code="malformed")
        rule = event.get("rrule")
        parsed.append({"start": start, "end": end, "summary": str(event.get("summary", ""))[:200],
                       "uid": str(event.get("uid", ""))[:255],
                       "rule": rule.to_ical().decode() if rule is not None else "", "exdates": _exdates(event)})
    return parsed


def _exdates(event) -> list[datetime.datetime]:
    raw = event.get("exdate")
    if raw is None:
        return []
    found = []
    for prop in raw if isinstance(raw, list) else [raw]:
        for item in getattr(prop, "dts", []):
            found.append(_as_datetime(item.dt))
    return found[:500]


@transaction.atomic
def ics_import(*, actor, calendar: Calendar, data: bytes) -> int:
    """Import every event as a busy block of `calendar`; same UID again replaces. All or nothing."""
    from intramuros.agenda.services import unavailability_create

    events = parse_ics(data)
    uids = [e["uid"] for e in events if e["uid"]]
    Unavailability.objects.filter(calendar=calendar, uid__in=uids).delete()
    for number, event in enumerate(events, start=1):
        try:
            unavailability_create(actor=actor, calendar=calendar, start=event["start"], end=event["end"],
                                  kind="busy", reason=event["summary"], rule=event["rule"], uid=event["uid"],
                                  exdates=event["exdates"])
        except ValidationError as exc:
            raise ValidationError(_("Event %(n)s: %(error)s Nothing was imported.")
                                  % {"n": number, "error": " ".join(exc.messages)}, code="invalid") from None
    audit.record(actor=actor, action="agenda.ics.imported", target=calendar, events=len(events))
    return len(events)
