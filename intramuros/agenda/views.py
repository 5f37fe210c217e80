"""Pages of the agenda: day, week, month, the secretary's day, booking, moving, cancelling, the waiting room."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros import audit
from intramuros.accounts.access import capability_required, has_capability
from intramuros.agenda import grid, patients_bridge, selectors, services
from intramuros.agenda.conflicts import ConflictError
from intramuros.agenda.forms import AppointmentForm, CancelForm, MoveForm
from intramuros.agenda.models import Appointment, AppointmentType, Calendar, Status
from intramuros.agenda.timeutil import day_bounds, local_tz, to_local_naive, week_start


def _day(request) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def _calendar(request, listed=None) -> Calendar:
    """The calendar asked for (?cal=), else the user's own, else the first practitioner's.

    `listed` (the active calendars, as selectors.grid_calendars gives them) spares the queries when it holds it.
    """
    practitioners, resources = listed or ([], [])
    cal_id = request.GET.get("cal")
    if cal_id and cal_id.isdigit():
        found = next((c for c in practitioners + resources if c.pk == int(cal_id)), None)
        return found or get_object_or_404(Calendar, pk=cal_id)
    calendar = (next((c for c in practitioners if c.practitioner_id == request.user.pk), None)
                or selectors.calendar_of(request.user) or (practitioners[0] if practitioners else None)
                or selectors.practitioner_calendars().first())
    if calendar is None:
        raise Http404(_("No calendar yet: add a practitioner's calendar in the agenda's settings."))
    return calendar


def _columns(calendars, days, *, link_free=True):
    """Columns for every (calendar, day), with four queries whatever their number."""
    cal_ids = [c.pk for c in calendars]
    start, _e = day_bounds(days[0])
    _s, end = day_bounds(days[-1])
    rows = selectors.appointment_rows(calendar_ids=cal_ids, start=start, end=end)
    tz = local_tz()
    busy = [(b, b.start.astimezone(tz).replace(tzinfo=None), b.end.astimezone(tz).replace(tzinfo=None))
            for b in selectors.busy_between(calendar_ids=cal_ids, start=start, end=end)]
    hours = selectors.opening_hours_map(cal_ids)
    feasts = selectors.public_holidays(days[0], days[-1])
    by_key: dict = {}
    one_day = datetime.timedelta(days=1)
    for row in rows:
        last = row.end.date()
        for cal_id in {row.calendar_id, row.resource_id}:
            day = row.start.date()
            while day <= last:
                by_key.setdefault((cal_id, day), []).append(row)
                day += one_day
    text = grid.texts()
    columns = []
    for cal in calendars:
        cal_busy = [(a, b, item.reason) for item, a, b in busy if item.calendar_id in (None, cal.pk)]
        for day in days:
            day_busy = [(a, b, reason) for a, b, reason in cal_busy if a.date() <= day <= b.date()]
            columns.append(grid.build_column(
                index=len(columns) + 1, title=cal.name if len(days) == 1 else "", day=day, calendar_id=cal.pk,
                appointments=by_key.get((cal.pk, day), []), busy=day_busy, hours=hours.get(cal.pk),
                holiday=feasts.get(day, ""), link_free=link_free, text=text))
    return columns


def _render_grid(request, *, mode, calendars, days, listed, calendar=None):
    columns = _columns(calendars, days)
    audit.record(actor=request.user, action="agenda.calendar.viewed", mode=mode, first=days[0].isoformat(),
                 calendars=[c.pk for c in calendars])
    step = datetime.timedelta(days={"day": 1, "all": 1, "week": 7}[mode])
    practitioners, resources = listed
    return render(request, "agenda/grid.html", {
        "mode": mode, "columns": columns, "days": days, "calendar": calendar, "hour_labels": grid.HOUR_LABELS,
        "options": [(str(c.pk), c.name, c.pk == calendar.pk) for c in practitioners + resources] if calendar else [],
        "first_iso": days[0].isoformat(),
        "prev_iso": (days[0] - step).isoformat(), "next_iso": (days[0] + step).isoformat(),
        "today_iso": timezone.localdate().isoformat(), "ncols": len(columns), "rows": grid.ROWS + 1,
    })


@capability_required("agenda.view")
def index(request):
    if request.user.is_practitioner and selectors.calendar_of(request.user):
        return redirect("agenda:week")
    return redirect("agenda:all")


@capability_required("agenda.view")
def week(request):
    listed = selectors.grid_calendars()
    calendar = _calendar(request, listed)
    first = week_start(_day(request))
    days = [first + datetime.timedelta(days=i) for i in range(7)]
    return _render_grid(request, mode="week", calendars=[calendar], days=days, listed=listed, calendar=calendar)


@capability_required("agenda.view")
def day(request):
    listed = selectors.grid_calendars()
    calendar = _calendar(request, listed)
    return _render_grid(request, mode="day", calendars=[calendar], days=[_day(request)], listed=listed,
                        calendar=calendar)


@capability_required("agenda.view")
def all_practitioners(request):
    listed = selectors.grid_calendars()
    calendars = listed[0] + listed[1]
    if not calendars:
        raise Http404(_("No calendar yet: add a practitioner's calendar in the agenda's settings."))
    return _render_grid(request, mode="all", calendars=calendars, days=[_day(request)], listed=listed)


@capability_required("agenda.view")
def month(request):
    calendar = _calendar(request)
    first_of_month = _day(request).replace(day=1)
    first = week_start(first_of_month)
    days = [first + datetime.timedelta(days=i) for i in range(42)]
    start, _e = day_bounds(days[0])
    _s, end = day_bounds(days[-1])
    by_day: dict = {}
    for a in selectors.appointments_between(calendar_ids=[calendar.pk], start=start, end=end):
        by_day.setdefault(to_local_naive(a.start).date(), []).append(a)
    feasts = selectors.public_holidays(days[0], days[-1])
    audit.record(actor=request.user, action="agenda.calendar.viewed", mode="month", first=days[0].isoformat(),
                 calendars=[calendar.pk])
    cells = [{"day": d, "appts": by_day.get(d, [])[:4], "more": max(0, len(by_day.get(d, [])) - 4),
              "count": len(by_day.get(d, [])), "holiday": feasts.get(d, ""),
              "other": d.month != first_of_month.month} for d in days]
    prev_month = (first_of_month - datetime.timedelta(days=1)).replace(day=1)
    next_month = (first_of_month + datetime.timedelta(days=32)).replace(day=1)
    return render(request, "agenda/month.html", {
        "calendar": calendar, "cells": cells, "month": first_of_month, "prev": prev_month, "next": next_month,
        "calendars": selectors.practitioner_calendars(), "mode": "month", "today": timezone.localdate()})


def _initial_for_new(request) -> dict:
    initial = {"calendar": getattr(selectors.calendar_of(request.user), "pk", None)}
    cal_id = request.GET.get("cal", "")
    if cal_id.isdigit():
        # A free slot clicked in a room's or an equipment's column books that resource.
        resource = selectors.resource_calendars().filter(pk=cal_id).first()
        initial["resource" if resource else "calendar"] = int(cal_id)
    try:
        when = datetime.datetime.fromisoformat(request.GET.get("start", ""))
        initial.update(date=when.date(), time=when.time())
    except ValueError:
        initial.update(date=timezone.localdate())
    return initial


@capability_required("agenda.edit")
def appointment_new(request):
    # A posted form is bound to what was typed: the suggested calendar and slot are for the empty form only.
    posted = request.method == "POST"
    form = AppointmentForm(request.POST if posted else None, initial=None if posted else _initial_for_new(request))
    conflicts = []
    if posted and form.is_valid():
        try:
            appointment = _book_from_form(request, form)
        except ConflictError as exc:
            conflicts = exc.conflicts
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Appointment booked."))
            return redirect(f"{reverse('agenda:day')}?cal={appointment.calendar_id}&date="
                            f"{to_local_naive(appointment.start).date().isoformat()}")
    return render(request, "agenda/appointment_form.html", {"form": form, "conflicts": conflicts})


def _book_from_form(request, form) -> Appointment:
    data = form.cleaned_data
    if data.get("patient"):
        patient = patients_bridge.search_by_id(user=request.user, patient_id=data["patient"])
    else:
        patient = patients_bridge.quick_create(actor=request.user, name=data["new_name"],
                                               birth_date=data["new_birth_date"])
    return services.appointment_book(
        actor=request.user, calendar=data["calendar"], patient=patient, start=data["start"],
        duration_minutes=data.get("duration"), type=data.get("type"), resource=data.get("resource"),
        note=data.get("note", ""), rule=data.get("rule_text", ""), force=data.get("force", False))


@capability_required("identity.view")
def patient_search(request):
    """htmx: patients matching the typed text, as radio buttons of the booking form."""
    results = patients_bridge.search(user=request.user, text=request.GET.get("q", ""), limit=10)
    return render(request, "agenda/_patient_results.html", {"results": results, "q": request.GET.get("q", "")})


def _appointment(request, pk) -> Appointment:
    appointment = get_object_or_404(Appointment.objects.select_related("patient", "calendar", "type", "series"),
                                    pk=pk)
    audit.record(actor=request.user, action="agenda.appointment.viewed", target=appointment,
                 patient=appointment.patient_id)
    return appointment


@capability_required("agenda.view")
def appointment_detail(request, pk):
    appointment = _appointment(request, pk)
    local = to_local_naive(appointment.start)
    series = bool(appointment.series_id)
    return render(request, "agenda/appointment_detail.html", {
        "appointment": appointment, "series": series,
        "move_form": MoveForm(series=series, initial={"calendar": appointment.calendar_id, "date": local.date(),
                                                      "time": local.time(), "duration": appointment.duration_minutes}),
        "cancel_form": CancelForm(series=series),
        "can_edit": has_capability(request.user, "agenda.edit"),
        "history": appointment.history.select_related("history_user").order_by("-history_date")[:20],
        "reminders": appointment.reminders.all()[:10],
    })


@require_POST
@capability_required("agenda.edit")
def appointment_move(request, pk):
    appointment = _appointment(request, pk)
    form = MoveForm(request.POST, series=bool(appointment.series_id))
    conflicts = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.appointment_move(actor=request.user, appointment=appointment, start=data["start"],
                                      duration_minutes=data["duration"], calendar=data["calendar"],
                                      scope=data["scope"], force=data["force"])
        except ConflictError as exc:
            conflicts = exc.conflicts
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Appointment moved."))
            return redirect("agenda:appointment", pk=pk)
    return render(request, "agenda/appointment_detail.html", {
        "appointment": appointment, "series": bool(appointment.series_id), "move_form": form, "can_edit": True,
        "cancel_form": CancelForm(series=bool(appointment.series_id)), "conflicts": conflicts}, status=400)


@require_POST
@capability_required("agenda.edit")
def appointment_cancel(request, pk):
    appointment = _appointment(request, pk)
    form = CancelForm(request.POST, series=bool(appointment.series_id))
    if form.is_valid():
        try:
            count = services.appointment_cancel(actor=request.user, appointment=appointment,
                                                reason=form.cleaned_data["reason"], scope=form.cleaned_data["scope"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s appointment(s) cancelled.") % {"n": count})
    else:
        messages.error(request, _("Say why the appointment is cancelled."))
    return redirect("agenda:appointment", pk=pk)


@require_POST
@capability_required("agenda.edit")
def appointment_status(request, pk):
    appointment = get_object_or_404(Appointment, pk=pk)
    try:
        services.appointment_set_status(actor=request.user, appointment=appointment,
                                        status=request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if request.htmx:
        return waiting_room_list(request)
    return redirect(request.POST.get("next") or reverse("agenda:waiting_room"))


def _waiting_context(request) -> dict:
    day = _day(request)
    mine = request.GET.get("mine") == "1"
    calendar = selectors.calendar_of(request.user) if mine else None
    rows = selectors.waiting_room(day=day, calendar_ids=[calendar.pk] if calendar else None)
    groups = {s: [] for s in (Status.ARRIVED, Status.IN_CONSULTATION, Status.BOOKED, Status.DONE, Status.NO_SHOW)}
    for row in rows:
        groups.setdefault(row.status, []).append(row)
    return {"day": day, "mine": mine, "groups": groups, "now": timezone.now(),
            "can_edit": has_capability(request.user, "agenda.edit"), "Status": Status}


@capability_required("agenda.view")
def waiting_room(request):
    context = _waiting_context(request)
    audit.record(actor=request.user, action="agenda.waiting_room.viewed", day=context["day"].isoformat())
    return render(request, "agenda/waiting_room.html", context)


@capability_required("agenda.view")
def waiting_room_list(request):
    """htmx polling target: the lists only (refreshed every few seconds)."""
    return render(request, "agenda/_waiting_lists.html", _waiting_context(request))


@capability_required("agenda.view")
def changes(request):
    rows = selectors.change_log(limit=200)
    return render(request, "agenda/changes.html", {"rows": _diffs(rows)})


def _diffs(rows):
    """Each history row with what changed from the previous version of the same appointment."""
    result = []
    for row in rows:
        prev = row.prev_record
        fields = []
        if prev is not None:
            delta = row.diff_against(prev, excluded_fields=["updated_at"])
            fields = [{"field": Appointment._meta.get_field(c.field).verbose_name, "old": _shown(c.field, c.old),
                       "new": _shown(c.field, c.new)} for c in delta.changes]
        result.append({"row": row, "changes": fields})
    return result


def _shown(field: str, value):
    if value in (None, ""):
        return ""
    if field == "status":
        return Status(value).label
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    return value


@capability_required("agenda.view")
def patient_appointments(request, patient_id):
    from intramuros.patients.access import patient_for_user

    patient = patient_for_user(request.user, patient_id, part="agenda")
    appointments = list(selectors.patient_appointments(patient=patient))
    now = timezone.now()
    return render(request, "agenda/patient_appointments.html", {
        "patient": patient, "future": [a for a in reversed(appointments) if a.start >= now],
        "past": [a for a in appointments if a.start < now], "no_shows": selectors.no_show_count(patient=patient),
        "Status": Status})


def types_css(request):
    """One class per appointment type with its colour (colours are validated #rrggbb)."""
    lines = [f".t-{pk} {{ border-left-color: {colour}; background-color: {colour}22; }}"
             for pk, colour in AppointmentType.objects.values_list("pk", "colour")]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/css")
    response["Cache-Control"] = "private, max-age=60"
    return response


@capability_required("agenda.view")
def day_pdf(request):
    from intramuros.agenda.pdf import day_list_pdf

    day = _day(request)
    cal_id = request.GET.get("cal")
    calendars = ([get_object_or_404(Calendar, pk=cal_id)] if cal_id and cal_id.isdigit()
                 else list(selectors.practitioner_calendars()))
    audit.record(actor=request.user, action="agenda.day_list.printed", day=day.isoformat(),
                 calendars=[c.pk for c in calendars])
    response = HttpResponse(day_list_pdf(day=day, calendars=calendars, request=request),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agenda-{day.isoformat()}.pdf"'
    return response
