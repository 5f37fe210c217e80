"""Pages reached without logging in: the iCalendar feed (secret token) and the online booking page.

Neither ever shows a patient's name: the feed shows "busy" or initials, the booking page only free times.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from intramuros import audit
from intramuros.agenda import ical, selectors, services
from intramuros.agenda.forms import BookingForm
from intramuros.agenda.models import AgendaSettings, Calendar
from intramuros.agenda.slots import free_slots

FEED_PAST_DAYS, FEED_FUTURE_DAYS = 14, 90


@never_cache
def feed_ics(request, token):
    if not token or len(token) > 100:
        raise Http404
    calendar = Calendar.objects.filter(feed_token_hash=Calendar.hash_token(token), active=True).first()
    if calendar is None:
        raise Http404
    now = timezone.now()
    body = ical.export_ics(calendar=calendar, start=now - datetime.timedelta(days=FEED_PAST_DAYS),
                           end=now + datetime.timedelta(days=FEED_FUTURE_DAYS), privacy=calendar.feed_privacy)
    audit.record(actor=None, action="agenda.feed.read", target=calendar, privacy=calendar.feed_privacy)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def _booking_open():
    settings_ = AgendaSettings.current()
    if not settings_.online_booking_enabled:
        raise Http404(_("Online booking is not offered: please call the practice."))
    return settings_


def _calendars_for(type_):
    calendars = selectors.practitioner_calendars()
    offered = list(type_.practitioners.values_list("pk", flat=True))
    return [c for c in calendars if not offered or c.practitioner_id in offered]


@never_cache
def book_index(request):
    _booking_open()
    return render(request, "agenda/book_index.html", {"types": selectors.types_for(online=True)})


@never_cache
def book_slots(request, type_id):
    settings_ = _booking_open()
    type_ = get_object_or_404(selectors.types_for(online=True), pk=type_id)
    first = timezone.localdate() + datetime.timedelta(days=1)
    offers = []
    for calendar in _calendars_for(type_):
        days = free_slots(calendar=calendar, type_=type_, first_day=first, days=settings_.booking_days_ahead)
        if days:
            offers.append({"calendar": calendar, "days": sorted(days.items())})
    return render(request, "agenda/book_slots.html", {"type": type_, "offers": offers})


@never_cache
def book_form(request, type_id, calendar_id, start):
    _booking_open()
    type_ = get_object_or_404(selectors.types_for(online=True), pk=type_id)
    calendar = get_object_or_404(Calendar, pk=calendar_id, active=True, practitioner__isnull=False)
    try:
        when = datetime.datetime.fromisoformat(start)
        when = timezone.make_aware(when) if timezone.is_naive(when) else when
    except ValueError:
        raise Http404 from None
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_request_create(ip=request.META.get("REMOTE_ADDR", ""), calendar=calendar, type=type_,
                                            start=when, **{k: v for k, v in form.cleaned_data.items()
                                                           if k != "website"})
        except services.RateLimited:
            return render(request, "agenda/book_limited.html", status=429)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("agenda:book_done")
    return render(request, "agenda/book_form.html", {"form": form, "type": type_, "calendar": calendar,
                                                     "when": when})


def book_done(request):
    return render(request, "agenda/book_done.html")
