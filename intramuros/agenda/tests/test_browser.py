"""In a real browser: booking from a free slot with the htmx patient search; the waiting room updating itself."""

import pytest
from django.utils import timezone

from intramuros.agenda import services
from intramuros.agenda.models import Appointment
from intramuros.agenda.tests.conftest import TUESDAY
from intramuros.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/" not in url)


def test_secretary_books_from_the_week_with_the_keyboard(page, bob_secretary, alice_cal, jeanne_martin, consult):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    _login(page, "bob")
    page.goto(f"/agenda/week/?cal={alice_cal.pk}&date={TUESDAY.isoformat()}")
    slot = page.locator(f'a.slot[href*="start={TUESDAY.isoformat()}T09:15"]')
    slot.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/agenda/new/**")
    page.fill("#patient-q", "martin")
    page.locator(f'input[name=patient][value="{jeanne_martin.pk}"]').wait_for()
    page.select_option("select[name=type]", str(consult.pk))
    page.click("button[type=submit].primary")
    page.wait_for_url("**/agenda/day/**")
    appt = Appointment.objects.get()
    assert appt.patient_id == jeanne_martin.pk and timezone.localtime(appt.start).strftime("%H:%M") == "09:15"
    assert "MARTIN Jeanne" in page.locator(".agenda-grid").inner_text()
    # (htmx's own indicator <style> is reported to the lead: base.html should set includeIndicatorStyles=false.)
    assert not [e for e in errors if "script-src" in e]


def test_waiting_room_updates_by_itself(page, dr_alice, alice_cal, jeanne_martin):
    appt = services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin,
                                     start=timezone.localtime(), duration_minutes=15, force=True)
    _login(page, "alice")
    page.goto("/agenda/waiting-room/")
    arrived = page.locator(".waiting-arrived .waiting-list")
    assert "MARTIN" not in arrived.inner_text()
    services.appointment_mark_arrived(actor=dr_alice, appointment=appt)  # at the front desk, elsewhere
    arrived.get_by_text("MARTIN Jeanne").wait_for(timeout=12000)  # the next poll (every 5 s) shows it
