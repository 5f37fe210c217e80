"""The agenda: Schedule ("calendar-N", with its opening hours), HealthcareService ("apptype-N", the
appointment types), Slot ("unavailable-N", absences and closures) and Appointment (bare id).

An appointment names its practitioner and patient as FHIR participants, so that any FHIR reader
understands it; the calendar, room, type, recurring series and waiting-room times travel as extensions
carrying our ids, so that an import restores them exactly.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from intramuros.accounts.models import User
from intramuros.agenda.models import (
    Appointment,
    AppointmentType,
    Calendar,
    OpeningHours,
    Series,
    Status,
    Unavailability,
)
from intramuros.core.text import validation_text
from intramuros.interop.fhir.mappers.clinical_common import patient_from
from intramuros.interop.fhir.mappers.common import always, extension, pack, patient_search, unpack
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, ref_id, register

CAL = "urn:intramuros:calendar"
TYPE = "urn:intramuros:appointment-type"
APPT = "urn:intramuros:appointment"
SERIES = "urn:intramuros:appointment#series"
UNAVAILABLE = "urn:intramuros:unavailability"
TYPE_SYSTEM = "urn:intramuros:appointment-type"

TO_STATUS = {Status.BOOKED: "booked", Status.ARRIVED: "arrived", Status.IN_CONSULTATION: "checked-in",
             Status.DONE: "fulfilled", Status.NO_SHOW: "noshow", Status.CANCELLED: "cancelled"}
FROM_STATUS = {v: k for k, v in TO_STATUS.items()}
CAL_SPEC = {"kind": "code", "name": "string", "feed_privacy": "code", "feed_token_hash": "string"}
TYPE_SPEC = {"duration_minutes": "integer", "colour": "string", "bookable_online": "boolean"}
APPT_SPEC = {"calendar": "integer", "resource": "integer", "arrived_at": "datetime", "consultation_at": "datetime",
             "done_at": "datetime", "no_show_at": "datetime", "cancelled_at": "datetime", "forced": "boolean",
             "is_exception": "boolean"}
SERIES_SPEC = {"id": "integer", "calendar": "integer", "rule": "string", "dtstart": "datetime",
               "duration_minutes": "integer", "created_at": "datetime", "parent": "integer"}
UNAVAILABLE_SPEC = {"kind": "code", "reason": "string", "rule": "string", "exdates": "string", "uid": "string",
                    "created_at": "datetime"}


def _ext(*items) -> list:
    return [i for i in items if i]


def _error(exc: ValidationError) -> FhirInputError:
    return FhirInputError(validation_text(exc), status=422)


# --- calendars ---
def schedule_out(c: Calendar) -> dict:
    actor = {"reference": f"Practitioner/{c.practitioner_id}"} if c.practitioner_id else {"display": c.name}
    hours = [{"url": f"{CAL}#hours", "valueString": f"{h.weekday} {h.start.isoformat()}-{h.end.isoformat()}"}
             for h in c.opening_hours.all()]
    return {"resourceType": "Schedule", "id": CALENDARS.fhir_id(c.pk), "active": c.active, "actor": [actor],
            "comment": c.name, "extension": _ext(pack(CAL, {"kind": c.kind, "name": c.name,
                                                            "feed_privacy": c.feed_privacy,
                                                            "feed_token_hash": c.feed_token_hash}, CAL_SPEC)) + hours}


def schedule_in(data, *, actor, existing=None, keep_id=False):
    if existing is not None:
        raise FhirInputError("calendars are set up in the agenda settings", code="not-supported", status=405)
    fields = unpack(data, CAL, CAL_SPEC)
    reference = ((data.get("actor") or [{}])[0]).get("reference")
    practitioner = None
    if reference:
        practitioner = User.objects.filter(pk=ref_id(reference, "Practitioner")).first()
        if practitioner is None:
            raise FhirInputError(f"{reference} does not exist", code="not-found", status=422)
    calendar = Calendar(practitioner=practitioner, active=data.get("active", True),
                        name=fields.get("name") or data.get("comment") or str(practitioner or "calendar"),
                        **{k: v for k, v in fields.items() if k != "name"})
    if keep_id:
        calendar.pk = CALENDARS.pk_from(str(data["id"]))
    try:
        calendar.full_clean(exclude=["practitioner"])
    except ValidationError as exc:
        raise _error(exc) from None
    calendar.save()
    for ext in data.get("extension") or []:
        if ext.get("url") == f"{CAL}#hours":
            try:
                weekday, _, span = ext.get("valueString", "").partition(" ")
                start, _, end = span.partition("-")
                OpeningHours.objects.create(calendar=calendar, weekday=int(weekday),
                                            start=datetime.time.fromisoformat(start),
                                            end=datetime.time.fromisoformat(end))
            except ValueError:
                raise FhirInputError(f"opening hours {ext.get('valueString')!r}: write 'weekday HH:MM-HH:MM' "
                                     "(weekday 0 = Monday)") from None
    return calendar


# --- appointment types ---
def service_out(t: AppointmentType) -> dict:
    data = {"resourceType": "HealthcareService", "id": TYPES.fhir_id(t.pk), "active": t.active, "name": t.name,
            "appointmentRequired": True, "extension": _ext(pack(TYPE, t, TYPE_SPEC)) + [
                {"url": f"{TYPE}#offered-by", "valueReference": {"reference": f"Practitioner/{pk}"}}
                for pk in sorted(u.pk for u in t.practitioners.all())]}
    return data


def service_in(data, *, actor, existing=None, keep_id=False):
    if existing is not None:
        raise FhirInputError("appointment types are set up in the agenda settings", code="not-supported", status=405)
    kind = AppointmentType(name=data.get("name", ""), active=data.get("active", True),
                           **unpack(data, TYPE, TYPE_SPEC))
    if keep_id:
        kind.pk = TYPES.pk_from(str(data["id"]))
    try:
        kind.full_clean()
    except ValidationError as exc:
        raise _error(exc) from None
    kind.save()
    offered = [ref_id((e.get("valueReference") or {}).get("reference"), "Practitioner")
               for e in data.get("extension") or [] if e.get("url") == f"{TYPE}#offered-by"]
    users = list(User.objects.filter(pk__in=offered))
    if len(users) != len(set(offered)):
        raise FhirInputError("the appointment type is offered by a practitioner who does not exist", status=422)
    kind.practitioners.set(users)
    return kind


# --- absences, holidays, closures ---
def slot_out(u: Unavailability) -> dict:
    schedule = {"reference": f"Schedule/{CALENDARS.fhir_id(u.calendar_id)}"} if u.calendar_id else \
        {"display": "the whole practice"}
    data = {"resourceType": "Slot", "id": UNAVAILABILITIES.fhir_id(u.pk), "schedule": schedule,
            "status": "busy-unavailable", "start": u.start.isoformat(), "end": u.end.isoformat(),
            "extension": _ext(pack(UNAVAILABLE, u, UNAVAILABLE_SPEC))}
    if u.reason:
        data["comment"] = u.reason
    return data


def slot_in(data, *, actor, existing=None, keep_id=False):
    from intramuros.agenda.services import _set_rule

    if existing is not None:
        raise FhirInputError("absences are changed in the agenda", code="not-supported", status=405)
    reference = (data.get("schedule") or {}).get("reference")
    calendar = None
    if reference:
        calendar = Calendar.objects.filter(pk=CALENDARS.pk_from(reference.rpartition("/")[2]) or 0).first()
        if calendar is None:
            raise FhirInputError(f"{reference} does not exist", code="not-found", status=422)
    fields = unpack(data, UNAVAILABLE, UNAVAILABLE_SPEC)
    item = Unavailability(calendar=calendar, start=parse_datetime(data.get("start", "")),
                          end=parse_datetime(data.get("end", "")), **{k: v for k, v in fields.items() if k != "rule"})
    if item.start is None or item.end is None:
        raise FhirInputError("Slot needs start and end")
    if keep_id:
        item.pk = UNAVAILABILITIES.pk_from(str(data["id"]))
    try:
        _set_rule(item, fields.get("rule", ""))
        item.full_clean(exclude=["calendar", "created_by"])
    except ValidationError as exc:
        raise _error(exc) from None
    except (ValueError, TypeError) as exc:
        raise FhirInputError(f"the repeat rule is not understood: {exc}", status=422) from None
    item.save()
    return item


# --- appointments ---
def appointment_out(a: Appointment) -> dict:
    participants = [{"actor": {"reference": f"Patient/{a.patient_id}"}, "status": "accepted"}]
    if a.calendar.practitioner_id:
        participants.append({"actor": {"reference": f"Practitioner/{a.calendar.practitioner_id}"},
                             "status": "accepted"})
    fields = {name: getattr(a, name) for name in APPT_SPEC if name not in ("calendar", "resource")}
    fields.update(calendar=a.calendar_id, resource=a.resource_id)
    data = {"resourceType": "Appointment", "id": str(a.pk), "status": TO_STATUS[a.status],
            "start": a.start.isoformat(), "end": a.end.isoformat(), "minutesDuration": a.duration_minutes,
            "created": a.created_at.isoformat(), "participant": participants,
            "extension": _ext(pack(APPT, fields, APPT_SPEC))}
    if a.type_id:
        data["appointmentType"] = {"coding": [{"system": TYPE_SYSTEM, "code": TYPES.fhir_id(a.type_id),
                                               "display": a.type.name}], "text": a.type.name}
    if a.note:
        data["comment"] = a.note
    if a.cancel_reason:
        data["cancelationReason"] = {"text": a.cancel_reason}
    if a.series_id:
        s = a.series
        data["extension"].append(pack(SERIES, {"id": s.pk, "calendar": s.calendar_id, "rule": s.rule,
                                               "dtstart": s.dtstart, "duration_minutes": s.duration_minutes,
                                               "created_at": s.created_at, "parent": s.parent_id}, SERIES_SPEC))
    return data


def _participant(data: dict, kind: str) -> str | None:
    return next((p["actor"]["reference"] for p in data.get("participant") or []
                 if str((p.get("actor") or {}).get("reference", "")).startswith(f"{kind}/")), None)


def _calendar(pk, what: str) -> Calendar:
    calendar = Calendar.objects.filter(pk=pk).first()
    if calendar is None:
        raise FhirInputError(f"the {what} Schedule/{CALENDARS.fhir_id(pk)} does not exist", code="not-found",
                             status=422)
    return calendar


def _series(fields: dict) -> Series:
    series = Series.objects.filter(pk=fields.get("id")).first()
    if series is None:
        series = Series(pk=fields.get("id"), calendar=_calendar(fields.get("calendar"), "series'"),
                        rule=fields.get("rule", ""), dtstart=fields.get("dtstart"),
                        duration_minutes=fields.get("duration_minutes", 15), parent_id=fields.get("parent"))
        if fields.get("created_at"):
            series.created_at = fields["created_at"]
        series.save()
    return series


def _type(data: dict) -> AppointmentType | None:
    code = next((c.get("code", "") for c in (data.get("appointmentType") or {}).get("coding") or []
                 if c.get("system") == TYPE_SYSTEM), "")
    if not code:
        return None
    kind = AppointmentType.objects.filter(pk=TYPES.pk_from(code) or 0).first()
    if kind is None:
        raise FhirInputError(f"appointment type HealthcareService/{code} does not exist", code="not-found",
                             status=422)
    return kind


def _times(data: dict) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = parse_datetime(data.get("start", "")), parse_datetime(data.get("end", ""))
    if start is None or end is None or end <= start:
        raise FhirInputError("Appointment needs a start and an end after it (date and time with time zone)")
    return start, end


def appointment_in(data, *, actor, existing=None, keep_id=False):
    if data.get("status") not in FROM_STATUS:
        raise FhirInputError(f"Appointment.status must be one of {', '.join(FROM_STATUS)}")
    if existing is not None:
        return _update(data, actor=actor, appointment=existing)
    patient = patient_from({"patient": {"reference": _participant(data, "Patient")}})
    fields = unpack(data, APPT, APPT_SPEC)
    start, end = _times(data)
    if not keep_id:
        return _book(data, actor=actor, patient=patient, fields=fields, start=start, end=end)
    series = extension(data, SERIES)
    appointment = Appointment(
        pk=int(data["id"]), patient=patient, start=start, end=end, type=_type(data), status=FROM_STATUS[data["status"]],
        calendar=_calendar(fields.pop("calendar", None), "appointment's"), note=data.get("comment", ""),
        resource=_calendar(fields.pop("resource"), "room") if fields.get("resource") else None,
        cancel_reason=(data.get("cancelationReason") or {}).get("text", ""),
        series=_series(unpack(data, SERIES, SERIES_SPEC)) if series else None, **fields)
    if data.get("created"):
        appointment.created_at = parse_datetime(data["created"])
    appointment.save()
    return appointment


def _book(data, *, actor, patient, fields, start, end) -> Appointment:
    """A booking from another tool: the same checks (opening hours, conflicts) as one made by hand."""
    from intramuros.agenda.conflicts import ConflictError
    from intramuros.agenda.services import appointment_book

    if FROM_STATUS[data["status"]] != Status.BOOKED:
        raise FhirInputError("a new Appointment must have status 'booked'")
    if fields.get("calendar"):
        calendar = _calendar(fields["calendar"], "appointment's")
    else:
        practitioner = _participant(data, "Practitioner")
        calendar = Calendar.objects.filter(practitioner_id=ref_id(practitioner, "Practitioner")).first()
        if calendar is None:
            raise FhirInputError(f"{practitioner} has no calendar in the agenda", code="not-found", status=422)
    try:
        return appointment_book(actor=actor, calendar=calendar, patient=patient, start=start,
                                duration_minutes=int((end - start).total_seconds() // 60), type=_type(data),
                                resource=_calendar(fields["resource"], "room") if fields.get("resource") else None,
                                note=data.get("comment", "")[:300])
    except ConflictError as exc:
        raise FhirInputError(f"the slot is not free: {'; '.join(str(c) for c in exc.conflicts)}", code="conflict",
                             status=409) from None
    except ValidationError as exc:
        raise _error(exc) from None


def _update(data, *, actor, appointment: Appointment) -> Appointment:
    """Through the API an appointment only moves along its life: arrived, seen, absent, cancelled."""
    from intramuros.agenda.services import appointment_cancel, appointment_set_status

    status = FROM_STATUS[data["status"]]
    if _times(data) != (appointment.start, appointment.end):
        raise FhirInputError("to move an appointment, cancel it and book a new one", code="not-supported", status=422)
    try:
        if status == Status.CANCELLED and appointment.status != Status.CANCELLED:
            appointment_cancel(actor=actor, appointment=appointment,
                               reason=(data.get("cancelationReason") or {}).get("text", ""))
        elif status != appointment.status:
            appointment_set_status(actor=actor, appointment=appointment, status=status)
    except ValidationError as exc:
        raise _error(exc) from None
    appointment.refresh_from_db()
    return appointment


def _search_date(qs, value):
    prefix, day = (value[:2], value[2:]) if value[:2] in ("ge", "le", "gt", "lt", "eq") else ("eq", value)
    try:
        day = datetime.date.fromisoformat(day)
    except ValueError:
        raise FhirInputError("date must be YYYY-MM-DD, optionally after ge, le, gt, lt or eq") from None
    lookup = {"eq": "start__date", "ge": "start__date__gte", "le": "start__date__lte", "gt": "start__date__gt",
              "lt": "start__date__lt"}[prefix]
    return qs.filter(**{lookup: day})


def _search_practitioner(qs, value):
    return qs.filter(calendar__practitioner_id=ref_id(value if "/" in value else f"Practitioner/{value}",
                                                      "Practitioner"))


CALENDARS = register(ResourceType(
    name="Schedule", id_prefix="calendar",
    queryset=lambda: Calendar.objects.prefetch_related("opening_hours").order_by("pk"), to_fhir=schedule_out,
    from_fhir=schedule_in, import_order=12, model_class=Calendar,
    search_params={"actor": lambda qs, v: qs.filter(practitioner_id=ref_id(v if "/" in v else f"Practitioner/{v}",
                                                                           "Practitioner"))},
    search_doc={"actor": "reference"}))
TYPES = register(ResourceType(
    name="HealthcareService", id_prefix="apptype",
    queryset=lambda: AppointmentType.objects.prefetch_related("practitioners").order_by("pk"), to_fhir=service_out,
    from_fhir=service_in, import_order=12, model_class=AppointmentType))
UNAVAILABILITIES = register(ResourceType(
    name="Slot", id_prefix="unavailable", queryset=lambda: Unavailability.objects.order_by("pk"), to_fhir=slot_out,
    from_fhir=slot_in, import_order=13, model_class=Unavailability,
    search_params={"schedule": lambda qs, v: qs.filter(calendar_id=CALENDARS.pk_from(v.rpartition("/")[2]) or 0)},
    search_doc={"schedule": "reference"}))
APPOINTMENTS = register(ResourceType(
    name="Appointment", queryset=lambda: Appointment.objects.select_related("calendar", "type", "series")
    .order_by("pk"), to_fhir=appointment_out, from_fhir=appointment_in, patient_of=lambda a: a.patient_id,
    import_order=30, model_class=Appointment, foreign=always, also_models=(Series, OpeningHours),
    search_params={"patient": patient_search, "date": _search_date,
                   "practitioner": _search_practitioner,
                   "status": lambda qs, v: qs.filter(status=FROM_STATUS.get(v, "-"))},
    search_doc={"patient": "reference", "date": "date", "practitioner": "reference", "status": "token"}))
