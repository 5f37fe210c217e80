"""Agenda settings pages: calendars, opening hours, types, unavailability, options, feeds, .ics in and out."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros import audit
from intramuros.accounts.access import capability_required, has_capability
from intramuros.accounts.models import Role, User
from intramuros.agenda import ical, selectors, services
from intramuros.agenda.forms import (
    AgendaSettingsForm,
    AppointmentTypeForm,
    ExportForm,
    FeedForm,
    ImportForm,
    OpeningHoursFormSet,
    ResourceCalendarForm,
    UnavailabilityForm,
)
from intramuros.agenda.models import (
    AgendaSettings,
    AppointmentType,
    Calendar,
    OpeningHours,
    ReminderLog,
    Unavailability,
)
from intramuros.agenda.timeutil import day_bounds


@capability_required("agenda.view")
def setup(request):
    for user in User.objects.filter(role__in=[Role.PRACTITIONER, Role.REPLACEMENT], is_active=True):
        services.calendar_ensure(practitioner=user)  # every practitioner has a calendar
    now = timezone.now()
    upcoming = (Unavailability.objects.select_related("calendar")
                .filter(Q(end__gte=now) | (~Q(rule="") & (Q(rule_until__isnull=True) | Q(rule_until__gte=now))))
                .order_by("start")[:100])
    return render(request, "agenda/setup.html", {
        "calendars": Calendar.objects.select_related("practitioner").all(),
        "types": AppointmentType.objects.prefetch_related("practitioners"), "unavailability": upcoming,
        "can_edit": has_capability(request.user, "agenda.edit"),
        "can_settings": has_capability(request.user, "admin.settings"),
        "requests": selectors.pending_booking_requests()[:50],
        "reminders": ReminderLog.objects.select_related("appointment__patient").order_by("-at")[:20]})


def _edit(request, form, template="agenda/edit.html", title="", done="agenda:setup"):
    if request.method == "POST" and form.is_valid():
        services.agenda_config_save(actor=request.user, form=form)
        messages.success(request, _("Saved."))
        return redirect(done)
    return render(request, template, {"form": form, "title": title})


@capability_required("agenda.edit")
def type_edit(request, pk=None):
    instance = get_object_or_404(AppointmentType, pk=pk) if pk else None
    form = AppointmentTypeForm(request.POST or None, instance=instance)
    return _edit(request, form, title=_("Appointment type"))


@capability_required("agenda.edit")
def resource_edit(request, pk=None):
    instance = get_object_or_404(Calendar, pk=pk) if pk else None
    if instance is not None and not instance.is_resource:
        raise PermissionDenied
    form = ResourceCalendarForm(request.POST or None, instance=instance)
    return _edit(request, form, title=_("Room or equipment"))


@capability_required("agenda.edit")
def hours_edit(request, pk):
    calendar = get_object_or_404(Calendar, pk=pk)
    formset = OpeningHoursFormSet(request.POST or None, queryset=OpeningHours.objects.filter(calendar=calendar))
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            for form in formset.forms:
                form.instance.calendar = calendar
            formset.save()
            audit.record(actor=request.user, action="agenda.opening_hours.saved", target=calendar)
        messages.success(request, _("Opening hours saved."))
        return redirect("agenda:setup")
    return render(request, "agenda/hours.html", {"formset": formset, "calendar": calendar})


@capability_required("agenda.edit")
def unavailability_new(request):
    form = UnavailabilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.unavailability_create(actor=request.user, calendar=data["calendar"], kind=data["kind"],
                                           start=data["start"], end=data["end"], reason=data["reason"],
                                           rule=data["rule_text"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Unavailability saved."))
            return redirect("agenda:setup")
    return render(request, "agenda/edit.html", {"form": form, "title": _("Unavailability")})


@require_POST
@capability_required("agenda.edit")
def unavailability_skip(request, pk):
    item = get_object_or_404(Unavailability, pk=pk)
    try:
        services.unavailability_skip(actor=request.user, item=item,
                                     day=datetime.date.fromisoformat(request.POST.get("day", "")))
    except ValueError:
        messages.error(request, _("Give the date of the occurrence to skip."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("That occurrence is skipped; the others stay."))
    return redirect("agenda:setup")


@require_POST
@capability_required("agenda.edit")
def unavailability_delete(request, pk):
    services.unavailability_delete(actor=request.user, item=get_object_or_404(Unavailability, pk=pk))
    messages.success(request, _("Unavailability removed."))
    return redirect("agenda:setup")


@capability_required("admin.settings")
def agenda_settings(request):
    form = AgendaSettingsForm(request.POST or None, instance=AgendaSettings.current())
    return _edit(request, form, title=_("Agenda options"))


def _own_calendar(request, pk) -> Calendar:
    calendar = get_object_or_404(Calendar, pk=pk)
    if calendar.practitioner_id != request.user.pk and not has_capability(request.user, "admin.settings"):
        raise PermissionDenied
    return calendar


@capability_required("agenda.view")
def feed(request, pk):
    """The practitioner's feed: create a secret address, change what it shows, revoke it."""
    calendar = _own_calendar(request, pk)
    token = None
    form = FeedForm(request.POST or None, initial={"privacy": calendar.feed_privacy})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            services.feed_token_revoke(actor=request.user, calendar=calendar)
            messages.success(request, _("The feed address was revoked: it no longer works."))
        elif form.is_valid():
            services.feed_privacy_set(actor=request.user, calendar=calendar, privacy=form.cleaned_data["privacy"])
            if action == "create":
                token = services.feed_token_create(actor=request.user, calendar=calendar)
    url = request.build_absolute_uri(reverse("agenda:feed_ics", kwargs={"token": token})) if token else ""
    return render(request, "agenda/feed.html", {"calendar": calendar, "form": form, "feed_url": url})


@capability_required("agenda.view")
def export_ics(request):
    form = ExportForm(request.GET or None)
    if not request.GET or not form.is_valid():
        return render(request, "agenda/edit.html", {"form": form, "title": _("Export as .ics"), "method": "get"})
    data = form.cleaned_data
    start, _e = day_bounds(data["first"])
    _s, end = day_bounds(data["last"])
    body = ical.export_ics(calendar=data["calendar"], start=start, end=end)
    audit.record(actor=request.user, action="agenda.ics.exported", target=data["calendar"],
                 first=data["first"].isoformat(), last=data["last"].isoformat())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agenda-{data["first"]:%Y%m%d}.ics"'
    return response


@capability_required("agenda.edit")
def import_ics(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > ical.MAX_IMPORT_BYTES:
                raise ValidationError(_("The file is too large (%(size)s kB): import at most %(max)s kB at a "
                                        "time.") % {"size": upload.size // 1024,
                                                    "max": ical.MAX_IMPORT_BYTES // 1024})
            count = ical.ics_import(actor=request.user, calendar=form.cleaned_data["calendar"], data=upload.read())
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("%(n)s event(s) imported as busy time.") % {"n": count})
            return redirect("agenda:setup")
    return render(request, "agenda/edit.html", {"form": form, "title": _("Import an .ics file"),
                                                "multipart": True})


@require_POST
@capability_required("agenda.edit")
def booking_request_handle(request, pk):
    from intramuros.agenda.conflicts import ConflictError
    from intramuros.agenda.models import BookingRequest

    booking = get_object_or_404(BookingRequest, pk=pk)
    try:
        if request.POST.get("action") == "confirm":
            services.booking_request_confirm(actor=request.user, request=booking,
                                             force=request.POST.get("force") == "on")
            messages.success(request, _("Request confirmed: the appointment is booked."))
        else:
            services.booking_request_decline(actor=request.user, request=booking)
            messages.success(request, _("Request declined."))
    except ConflictError as exc:
        messages.error(request, " ".join(exc.conflicts) + " " + _("Tick \"book anyway\" to confirm all the same."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("agenda:setup")


