import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intramuros.agenda import services
from intramuros.agenda.models import AgendaSettings, Appointment, BookingRequest
from intramuros.agenda.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking_open(alice_cal, consult):
    s = AgendaSettings.current()
    s.online_booking_enabled = True
    s.booking_requests_per_hour = 2
    s.save()
    return s


def _next_weekday(n=1):
    day = timezone.localdate() + datetime.timedelta(days=n)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _form(**over):
    data = {"last_name": "Petit", "first_name": "Léa", "birth_date": "1990-05-06", "phone": "0611223344",
            "email": "lea@example.org", "website": ""}
    data.update(over)
    return data


def test_booking_is_off_by_default(client, alice_cal, consult):
    assert client.get(reverse("agenda:book")).status_code == 404


def test_booking_page_shows_free_times_but_no_names(client, booking_open, dr_alice, alice_cal, jeanne_martin,
                                                    consult):
    day = _next_weekday(3)
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=at(day, 9),
                              type=consult)
    page = client.get(reverse("agenda:book_slots", args=[consult.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "MARTIN" not in content and "Jeanne" not in content and "1975" not in content
    taken = at(day, 9).isoformat()
    free = at(day, 9, 20).isoformat()
    assert taken not in content and free in content


def test_request_then_secretary_confirms(client, booking_open, bob_secretary, alice_cal, consult):
    day = _next_weekday(3)
    url = reverse("agenda:book_form", args=[consult.pk, alice_cal.pk, at(day, 10).isoformat()])
    assert client.post(url, _form()).status_code == 302
    request = BookingRequest.objects.get()
    assert request.state == "pending" and not Appointment.objects.exists()
    # The same time is no longer offered to others while pending.
    assert at(day, 10).isoformat() not in client.get(reverse("agenda:book_slots", args=[consult.pk])).content.decode()
    appt = services.booking_request_confirm(actor=bob_secretary, request=request)
    assert appt.start == at(day, 10) and appt.patient.birth_name.upper() == "PETIT" and appt.patient.email == "lea@example.org"
    request.refresh_from_db()
    assert request.state == "confirmed"


def test_confirm_matches_an_existing_patient(client, booking_open, bob_secretary, alice_cal, consult, jeanne_martin):
    day = _next_weekday(3)
    client.post(reverse("agenda:book_form", args=[consult.pk, alice_cal.pk, at(day, 11).isoformat()]),
                _form(last_name="Martin", first_name="Jeanne", birth_date="1975-03-14"))
    appt = services.booking_request_confirm(actor=bob_secretary, request=BookingRequest.objects.get())
    assert appt.patient == jeanne_martin


def test_a_taken_time_cannot_be_requested(client, booking_open, dr_alice, alice_cal, jeanne_martin, consult):
    day = _next_weekday(3)
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=at(day, 9),
                              type=consult)
    page = client.post(reverse("agenda:book_form", args=[consult.pk, alice_cal.pk, at(day, 9).isoformat()]), _form())
    assert page.status_code == 200 and not BookingRequest.objects.exists()


def test_requests_are_rate_limited_per_address(client, booking_open, alice_cal, consult):
    day = _next_weekday(3)
    codes = []
    for minute in (0, 20, 40):
        url = reverse("agenda:book_form", args=[consult.pk, alice_cal.pk, at(day, 14, minute).isoformat()])
        codes.append(client.post(url, _form(), REMOTE_ADDR="192.168.1.50").status_code)
    assert codes == [302, 302, 429]
    url = reverse("agenda:book_form", args=[consult.pk, alice_cal.pk, at(day, 15).isoformat()])
    assert client.post(url, _form(), REMOTE_ADDR="192.168.1.51").status_code == 302  # another address


def test_robots_filling_the_hidden_field_are_refused(client, booking_open, alice_cal, consult):
    url = reverse("agenda:book_form", args=[consult.pk, alice_cal.pk, at(_next_weekday(3), 16).isoformat()])
    client.post(url, _form(website="http://spam"))
    assert not BookingRequest.objects.exists()


def test_secretary_declines_from_the_settings_page(bob_client, booking_open, alice_cal, consult):
    day = _next_weekday(3)
    request = services.booking_request_create(ip="10.0.0.1", calendar=alice_cal, type=consult, start=at(day, 10),
                                              last_name="X", first_name="Y", birth_date=datetime.date(1990, 1, 1),
                                              phone="1", email="y@example.org")
    assert "X" in bob_client.get(reverse("agenda:setup")).content.decode()
    bob_client.post(reverse("agenda:booking_request", args=[request.pk]), {"action": "decline"})
    request.refresh_from_db()
    assert request.state == "declined"
