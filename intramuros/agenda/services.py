"""Every write to the agenda: booking, moving, cancelling, the waiting room, unavailability, feeds, booking requests.

Each function is atomic and audited; conflicts raise ConflictError unless `force=True` (the "book anyway" box).
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.agenda import recurrence
from intramuros.agenda.conflicts import ConflictError, find_conflicts
from intramuros.agenda.models import (
    AgendaSettings,
    Appointment,
    AppointmentType,
    BookingRequest,
    Calendar,
    CalendarKind,
    Series,
    Status,
    Unavailability,
)
from intramuros.agenda.timeutil import make_local, to_local_naive

MIN_MINUTES, MAX_MINUTES = 5, 600

__all__ = ["ConflictError"]


def _audit(actor, verb: str, appointment: Appointment, **detail) -> None:
    audit.record(actor=actor, action=f"agenda.appointment.{verb}", target=appointment,
                 patient=appointment.patient_id, **detail)


def _duration(minutes: int | None, type_: AppointmentType | None) -> datetime.timedelta:
    minutes = minutes or (type_.duration_minutes if type_ else 15)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationError(_("A duration of %(m)s minutes is not possible: give between %(a)s and %(b)s minutes.")
                              % {"m": minutes, "a": MIN_MINUTES, "b": MAX_MINUTES}, code="duration")
    return datetime.timedelta(minutes=minutes)


def _check(calendar, resource, intervals, exclude_ids, force) -> bool:
    conflicts = find_conflicts(calendar=calendar, resource=resource, intervals=intervals, exclude_ids=exclude_ids)
    if conflicts and not force:
        raise ConflictError(conflicts)
    return bool(conflicts)


def calendar_ensure(*, practitioner) -> Calendar:
    """The practitioner's own calendar, created on first use."""
    calendar = Calendar.objects.filter(practitioner=practitioner).first()
    if calendar is None:
        calendar = Calendar.objects.create(kind=CalendarKind.PRACTITIONER, practitioner=practitioner,
                                           name=practitioner.display_name)
    return calendar


def _occurrence_starts(rule_text: str, start: datetime.datetime) -> list[datetime.datetime]:
    rule = recurrence.parse_rule(rule_text, to_local_naive(start))
    starts = []
    for local in recurrence.occurrences(rule):
        starts.append(make_local(local))  # a DST gap in any occurrence is refused, with its date
    return starts


@transaction.atomic
def appointment_book(*, actor, calendar: Calendar, patient, start: datetime.datetime,
                     duration_minutes: int | None = None, type: AppointmentType | None = None,  # noqa: A002
                     resource: Calendar | None = None, note: str = "", rule: str = "", force: bool = False,
                     booking_request: BookingRequest | None = None) -> Appointment:
    """Book one appointment, or a recurring series when `rule` is given; returns the first one."""
    if timezone.is_naive(start):
        start = make_local(start)
    if not calendar.active:
        raise ValidationError(_("The calendar %(c)s is closed: choose another one.") % {"c": calendar})
    if resource is not None and not resource.is_resource:
        raise ValidationError(_("%(c)s is not a room or an equipment.") % {"c": resource})
    if (type is not None and calendar.practitioner_id and type.practitioners.exists()
            and not type.practitioners.filter(pk=calendar.practitioner_id).exists()):
        raise ValidationError(_("%(who)s does not offer \"%(type)s\": choose another type or practitioner.")
                              % {"who": calendar, "type": type}, code="type")
    length = _duration(duration_minutes, type)
    starts = _occurrence_starts(rule, start) if rule else [start]
    forced = _check(calendar, resource, [(s, s + length) for s in starts], (), force)
    series = None
    if rule:
        series = Series.objects.create(calendar=calendar, rule=recurrence.rule_text(
            recurrence.parse_rule(rule, to_local_naive(start))), dtstart=start,
            duration_minutes=int(length.total_seconds() // 60), created_by=actor if _is_user(actor) else None)
    created = []
    for when in starts:
        appointment = Appointment(calendar=calendar, resource=resource, patient=patient, type=type, start=when,
                                  end=when + length, note=note, forced=forced, series=series,
                                  booking_request=booking_request if not created else None,
                                  created_by=actor if _is_user(actor) else None)
        _save(appointment, actor)
        created.append(appointment)
    first = created[0]
    _audit(actor, "booked", first, calendar=calendar.pk, start=first.start.isoformat(), occurrences=len(created),
           forced=forced)
    return first


def _is_user(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def _save(appointment: Appointment, actor) -> None:
    """Save, naming the author in the appointment's history (also outside a web request)."""
    if _is_user(actor):
        appointment._history_user = actor
    appointment.save()


def _movable(appointment: Appointment) -> None:
    if appointment.status not in (Status.BOOKED, Status.ARRIVED):
        raise ValidationError(_("This appointment is %(status)s: it can no longer be changed; book a new one.")
                              % {"status": appointment.get_status_display().lower()}, code="state")


def _followers(appointment: Appointment):
    return list(appointment.series.appointments.select_for_update().filter(
        start__gte=appointment.start, is_exception=False, status=Status.BOOKED).exclude(pk=appointment.pk)
        .order_by("start"))


@transaction.atomic
def appointment_move(*, actor, appointment: Appointment, start: datetime.datetime, duration_minutes: int,
                     calendar: Calendar | None = None, scope: str = "this", force: bool = False) -> Appointment:
    """Move and/or resize; `scope="following"` moves this occurrence and the following ones of its series."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    _movable(appointment)
    if timezone.is_naive(start):
        start = make_local(start)
    length = _duration(duration_minutes, None)
    calendar = calendar or appointment.calendar
    before = {"start": appointment.start.isoformat(), "end": appointment.end.isoformat(),
              "calendar": appointment.calendar_id}
    if scope == "following" and appointment.series_id:
        return _move_following(actor, appointment, start, length, calendar, force, before)
    forced = _check(calendar, appointment.resource, [(start, start + length)], [appointment.pk], force)
    appointment.start, appointment.end, appointment.calendar = start, start + length, calendar
    appointment.forced = appointment.forced or forced
    appointment.is_exception = bool(appointment.series_id)
    _save(appointment, actor)
    _audit(actor, "moved", appointment, before=before, start=start.isoformat(), forced=forced)
    return appointment


def _shift(value: datetime.datetime, delta: datetime.timedelta) -> datetime.datetime:
    """Shift by a wall-clock delta: 9:00 stays 9:00 across a daylight-saving change."""
    return make_local(to_local_naive(value) + delta)


def _split_series(actor, appointment: Appointment, new_start: datetime.datetime | None,
                  length: datetime.timedelta | None) -> Series | None:
    """End the series before `appointment`; with `new_start`, continue it as a new series from there."""
    old = appointment.series
    local_here = to_local_naive(appointment.start)
    rule = recurrence.parse_rule(old.rule, to_local_naive(old.dtstart))
    remaining = sum(1 for _ in rule.xafter(local_here, inc=True, count=recurrence.MAX_OCCURRENCES))
    old.rule = recurrence.rule_text(recurrence.truncate_before(rule, local_here))
    old.save(update_fields=["rule"])
    if new_start is None:
        return None
    local_new = to_local_naive(new_start)
    changes: dict = {"dtstart": local_new}
    if rule._count is not None:  # noqa: SLF001
        changes["count"] = remaining
    elif rule._until is not None:  # noqa: SLF001
        changes["until"] = rule._until + (local_new - local_here)  # noqa: SLF001
    byweekday = rule._original_rule.get("byweekday")  # noqa: SLF001
    if byweekday and len(byweekday) == 1 and local_new.weekday() != local_here.weekday():
        changes["byweekday"] = (local_new.weekday(),)
    new_rule = rule.replace(**changes)
    return Series.objects.create(calendar=appointment.calendar, rule=recurrence.rule_text(new_rule),
                                 dtstart=new_start, duration_minutes=int(length.total_seconds() // 60),
                                 parent=old, created_by=actor if _is_user(actor) else None)


def _move_following(actor, appointment, start, length, calendar, force, before) -> Appointment:
    delta = to_local_naive(start) - to_local_naive(appointment.start)
    followers = _followers(appointment)
    moves = [(appointment, start)] + [(f, _shift(f.start, delta)) for f in followers]
    forced = _check(calendar, appointment.resource, [(s, s + length) for _a, s in moves],
                    [a.pk for a, _s in moves], force)
    series = _split_series(actor, appointment, start, length)
    for item, new_start in moves:
        item.start, item.end, item.calendar, item.series = new_start, new_start + length, calendar, series
        item.forced = item.forced or forced
        item.is_exception = False
        _save(item, actor)
    _audit(actor, "moved", appointment, before=before, start=start.isoformat(), scope="following",
           occurrences=len(moves), forced=forced)
    return appointment


@transaction.atomic
def appointment_cancel(*, actor, appointment: Appointment, reason: str, scope: str = "this") -> int:
    """Cancel with a reason; `scope="following"` also cancels the following occurrences. Returns how many."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the appointment is cancelled."), code="reason")
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    _movable(appointment)
    items = [appointment]
    if scope == "following" and appointment.series_id:
        items += _followers(appointment)
        _split_series(actor, appointment, None, None)
    now = timezone.now()
    for item in items:
        item.status, item.cancelled_at, item.cancel_reason = Status.CANCELLED, now, reason[:200]
        item.is_exception = bool(item.series_id) and scope != "following"
        _save(item, actor)
    _audit(actor, "cancelled", appointment, reason=reason, occurrences=len(items))
    return len(items)


# The waiting room: allowed previous states and the time stamp each step sets.
_STEPS = {
    Status.ARRIVED: ({Status.BOOKED}, "arrived_at"),
    Status.IN_CONSULTATION: ({Status.BOOKED, Status.ARRIVED}, "consultation_at"),
    Status.DONE: ({Status.ARRIVED, Status.IN_CONSULTATION}, "done_at"),
    Status.NO_SHOW: ({Status.BOOKED}, "no_show_at"),
    Status.BOOKED: ({Status.ARRIVED, Status.NO_SHOW}, None),  # undo a click made by mistake
}


@transaction.atomic
def appointment_set_status(*, actor, appointment: Appointment, status: str) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if status not in _STEPS:
        raise ValidationError(_("Unknown step."))
    allowed, stamp = _STEPS[Status(status)]
    if appointment.status not in allowed:
        raise ValidationError(_("This appointment is %(now)s: it cannot become %(then)s.") % {
            "now": appointment.get_status_display().lower(), "then": Status(status).label.lower()}, code="state")
    appointment.status = status
    if stamp:
        setattr(appointment, stamp, timezone.now())
    else:
        appointment.arrived_at = appointment.no_show_at = None
    _save(appointment, actor)
    _audit(actor, f"status.{status}", appointment)
    return appointment


def appointment_mark_arrived(*, actor, appointment):
    return appointment_set_status(actor=actor, appointment=appointment, status=Status.ARRIVED)


def appointment_mark_in_consultation(*, actor, appointment):
    return appointment_set_status(actor=actor, appointment=appointment, status=Status.IN_CONSULTATION)


def appointment_mark_done(*, actor, appointment):
    return appointment_set_status(actor=actor, appointment=appointment, status=Status.DONE)


def appointment_mark_no_show(*, actor, appointment):
    return appointment_set_status(actor=actor, appointment=appointment, status=Status.NO_SHOW)


# Unavailability ------------------------------------------------------------------------------------------


@transaction.atomic
def unavailability_create(*, actor, calendar: Calendar | None, start: datetime.datetime, end: datetime.datetime,
                          kind: str = "absence", reason: str = "", rule: str = "", uid: str = "",
                          exdates: list[datetime.datetime] = ()) -> Unavailability:
    if timezone.is_naive(start):
        start = make_local(start)
    if timezone.is_naive(end):
        end = make_local(end)
    if end <= start:
        raise ValidationError(_("The end must come after the start."), code="order")
    item = Unavailability(calendar=calendar, start=start, end=end, kind=kind, reason=reason[:200], uid=uid[:255],
                          created_by=actor if _is_user(actor) else None)
    _set_rule(item, rule)
    if item.rule and exdates:
        item.exdates = " ".join(sorted({to_local_naive(d).strftime("%Y-%m-%dT%H:%M") for d in exdates}))
    item.save()
    audit.record(actor=actor, action="agenda.unavailability.created", target=item,
                 calendar=calendar.pk if calendar else None, rule=item.rule)
    return item


def _set_rule(item: Unavailability, rule: str) -> None:
    item.rule, item.rule_until = "", None
    if not rule:
        return
    parsed = recurrence.parse_rule(rule, to_local_naive(item.start))
    recurrence.occurrences(parsed)  # refuses endless or huge rules
    item.rule = recurrence.rule_text(parsed)
    last_end = recurrence.last_occurrence_end(parsed, item.end - item.start)
    item.rule_until = timezone.make_aware(last_end) if last_end else None


@transaction.atomic
def unavailability_skip(*, actor, item: Unavailability, day: datetime.date) -> None:
    """Take the occurrence of `day` out of a recurring unavailability ("not this week")."""
    if not item.rule:
        raise ValidationError(_("Only a repeating unavailability has occurrences to skip; remove this one instead."))
    from intramuros.agenda.selectors import expand_unavailability
    from intramuros.agenda.timeutil import day_bounds

    start, end = day_bounds(day)
    found = [b for b in expand_unavailability(item, start, end) if to_local_naive(b.start).date() == day]
    if not found:
        raise ValidationError(_("%(reason)s does not occur on %(day)s: check the date.")
                              % {"reason": item.reason or item.get_kind_display(), "day": day.strftime("%d/%m/%Y")})
    stamps = set(item.exdates.split()) | {to_local_naive(b.start).strftime("%Y-%m-%dT%H:%M") for b in found}
    item.exdates = " ".join(sorted(stamps))
    item.save(update_fields=["exdates"])
    audit.record(actor=actor, action="agenda.unavailability.skipped", target=item, day=day.isoformat())


@transaction.atomic
def unavailability_delete(*, actor, item: Unavailability) -> None:
    audit.record(actor=actor, action="agenda.unavailability.deleted", target=item, reason=item.reason,
                 start=item.start.isoformat())
    item.delete()


# Settings of the agenda (types, hours, calendars) ---------------------------------------------------------


@transaction.atomic
def agenda_config_save(*, actor, form) -> object:
    """Save a configuration form (type, calendar, opening hours, settings), audited."""
    instance = form.save()
    audit.record(actor=actor, action=f"agenda.{instance._meta.model_name}.saved", target=instance,
                 changed=list(form.changed_data))
    return instance


# iCalendar feed ----------------------------------------------------------------------------------------


@transaction.atomic
def feed_token_create(*, actor, calendar: Calendar) -> str:
    """A new secret feed address (the previous one stops working); only its hash is kept."""
    token = secrets.token_urlsafe(32)
    calendar.feed_token_hash = Calendar.hash_token(token)
    calendar.save(update_fields=["feed_token_hash"])
    audit.record(actor=actor, action="agenda.feed.created", target=calendar)
    return token


@transaction.atomic
def feed_token_revoke(*, actor, calendar: Calendar) -> None:
    calendar.feed_token_hash = ""
    calendar.save(update_fields=["feed_token_hash"])
    audit.record(actor=actor, action="agenda.feed.revoked", target=calendar)


@transaction.atomic
def feed_privacy_set(*, actor, calendar: Calendar, privacy: str) -> None:
    from intramuros.agenda.models import FeedPrivacy

    if privacy not in FeedPrivacy.values:
        raise ValidationError(_("Choose what the feed shows."))
    calendar.feed_privacy = privacy
    calendar.save(update_fields=["feed_privacy"])
    audit.record(actor=actor, action="agenda.feed.privacy", target=calendar, privacy=privacy)


# Online booking ---------------------------------------------------------------------------------------


def booking_rate_exceeded(ip: str) -> bool:
    limit = AgendaSettings.current().booking_requests_per_hour
    since = timezone.now() - datetime.timedelta(hours=1)
    return BookingRequest.objects.filter(ip=ip, created_at__gte=since).count() >= limit


class RateLimited(Exception):
    pass


@transaction.atomic
def booking_request_create(*, ip: str, calendar: Calendar, type: AppointmentType,  # noqa: A002
                           start: datetime.datetime, last_name: str, first_name: str, birth_date: datetime.date,
                           phone: str, email: str) -> BookingRequest:
    settings_ = AgendaSettings.current()
    if not settings_.online_booking_enabled:
        raise ValidationError(_("Online booking is closed: please call the practice."))
    if booking_rate_exceeded(ip):
        raise RateLimited
    from intramuros.agenda.slots import is_offered_slot

    if not is_offered_slot(calendar=calendar, type_=type, start=start):
        raise ValidationError(_("This time is no longer free: please choose another one."), code="taken")
    request = BookingRequest.objects.create(
        calendar=calendar, type=type, start=start, end=start + datetime.timedelta(minutes=type.duration_minutes),
        last_name=last_name.strip()[:100], first_name=first_name.strip()[:100], birth_date=birth_date,
        phone=phone.strip()[:30], email=email.strip()[:254], ip=ip[:45])
    audit.record(actor=None, action="agenda.booking.requested", target=request, ip_hint=ip[:45])
    return request


@transaction.atomic
def booking_request_confirm(*, actor, request: BookingRequest, force: bool = False) -> Appointment:
    """Book the requested slot for the matching patient (same names and birth date) or a new one."""
    from intramuros.agenda import patients_bridge
    from intramuros.core.text import fold
    from intramuros.patients.models import Patient

    request = BookingRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != BookingRequest.State.PENDING:
        raise ValidationError(_("This request was already handled."), code="state")
    folded = fold(f"{request.last_name} {request.first_name}").split()
    matches = Patient.objects.filter(birth_date=request.birth_date)
    for word in folded:
        matches = matches.filter(search_names__contains=word)
    matches = list(matches[:2])
    if len(matches) == 1:
        patient = matches[0]
    else:
        patient = patients_bridge.quick_create(actor=actor, name=f"{request.last_name}, {request.first_name}",
                                               birth_date=request.birth_date)
        changed = False
        if not patient.phone_mobile:
            patient.phone_mobile, changed = request.phone, True
        if not patient.email:
            patient.email, changed = request.email, True
        if changed:
            patient.save()
    appointment = appointment_book(actor=actor, calendar=request.calendar, patient=patient, start=request.start,
                                   type=request.type, note=_("Booked online"), force=force,
                                   booking_request=request)
    request.state, request.handled_by, request.handled_at = BookingRequest.State.CONFIRMED, actor, timezone.now()
    request.save(update_fields=["state", "handled_by", "handled_at"])
    return appointment


@transaction.atomic
def booking_request_decline(*, actor, request: BookingRequest) -> None:
    if request.state != BookingRequest.State.PENDING:
        raise ValidationError(_("This request was already handled."), code="state")
    request.state, request.handled_by, request.handled_at = BookingRequest.State.DECLINED, actor, timezone.now()
    request.save(update_fields=["state", "handled_by", "handled_at"])
    audit.record(actor=actor, action="agenda.booking.declined", target=request)
