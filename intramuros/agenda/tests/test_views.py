import datetime

import pytest
from django.urls import reverse

from intramuros.agenda import services
from intramuros.agenda.models import Appointment, Status
from intramuros.agenda.tests.conftest import TUESDAY, at
from intramuros.audit.models import AuditEvent
from intramuros.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_secretary_books_from_a_free_slot_with_patient_search(bob_client, alice_cal, jeanne_martin, consult):
    url = reverse("agenda:appointment_new") + f"?cal={alice_cal.pk}&start={TUESDAY.isoformat()}T09:15"
    page = bob_client.get(url)
    assert page.status_code == 200 and b'value="09:15"' in page.content
    found = bob_client.get(reverse("agenda:patient_search"), {"q": "martin"}, HTTP_HX_REQUEST="true")
    assert f'value="{jeanne_martin.pk}"'.encode() in found.content
    response = bob_client.post(url, {"calendar": alice_cal.pk, "date": TUESDAY.isoformat(), "time": "09:15",
                                     "type": consult.pk, "patient": jeanne_martin.pk})
    assert response.status_code == 302
    appt = Appointment.objects.get()
    assert appt.patient == jeanne_martin and appt.start == at(TUESDAY, 9, 15) and appt.duration_minutes == 20


def test_book_with_a_new_patient_in_two_fields(bob_client, alice_cal, consult):
    response = bob_client.post(reverse("agenda:appointment_new"), {
        "calendar": alice_cal.pk, "date": TUESDAY.isoformat(), "time": "10:00", "type": consult.pk,
        "new_name": "DUPONT Marie Claire", "new_birth_date": "1980-02-03"})
    assert response.status_code == 302, response.content.decode()[:2000]
    patient = Patient.objects.get(birth_name="DUPONT")
    assert patient.first_names == "Marie Claire" and patient.birth_date == datetime.date(1980, 2, 3)
    assert Appointment.objects.get().patient == patient


def test_conflict_shown_then_book_anyway(bob_client, dr_alice, alice_cal, jeanne_martin, paul_durand, consult):
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=at(TUESDAY, 9),
                              type=consult)
    data = {"calendar": alice_cal.pk, "date": TUESDAY.isoformat(), "time": "09:05", "type": consult.pk,
            "patient": paul_durand.pk}
    page = bob_client.post(reverse("agenda:appointment_new"), data)
    assert page.status_code == 200 and "already has an appointment" in page.content.decode()
    assert Appointment.objects.count() == 1
    assert bob_client.post(reverse("agenda:appointment_new"), data | {"force": "on"}).status_code == 302
    assert Appointment.objects.count() == 2


def test_dst_gap_in_the_form_is_explained(bob_client, alice_cal, jeanne_martin):
    page = bob_client.post(reverse("agenda:appointment_new"), {
        "calendar": alice_cal.pk, "date": "2026-03-29", "time": "02:30", "duration": 15, "patient": jeanne_martin.pk})
    assert page.status_code == 200
    assert "does not exist" in page.content.decode() or "n’existe pas" in page.content.decode()
    assert not Appointment.objects.exists()


def test_week_day_month_and_all_views_show_appointments(alice_client, dr_alice, alice_cal, charlie_cal,
                                                        jeanne_martin, consult):
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=at(TUESDAY, 9),
                              type=consult)
    for name in ("agenda:week", "agenda:day", "agenda:month"):
        page = alice_client.get(reverse(name), {"cal": alice_cal.pk, "date": TUESDAY.isoformat()})
        assert page.status_code == 200 and "MARTIN Jeanne" in page.content.decode(), name
    page = alice_client.get(reverse("agenda:all"), {"date": TUESDAY.isoformat()})
    content = page.content.decode()
    assert "MARTIN Jeanne" in content and str(charlie_cal) in content
    assert 'style="' not in content and "<script>" not in content  # strict CSP
    assert AuditEvent.objects.filter(action="agenda.calendar.viewed").exists()


def test_index_leads_practitioner_to_week_and_secretary_to_all(alice_client, alice_cal, bob_secretary, client):
    assert alice_client.get(reverse("agenda:index"))["Location"] == reverse("agenda:week")
    client.force_login(bob_secretary)
    assert client.get(reverse("agenda:index"))["Location"] == reverse("agenda:all")


def test_types_stylesheet_has_one_class_per_type(client, consult):
    css = client.get(reverse("agenda:types_css")).content.decode()
    assert f".t-{consult.pk}" in css and "#336699" in css


def test_waiting_room_steps_with_timestamps(bob_client, dr_alice, alice_cal, jeanne_martin):
    from django.utils import timezone

    now = timezone.localtime()
    appt = services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=now,
                                     duration_minutes=15, force=True)
    page = bob_client.get(reverse("agenda:waiting_room"))
    assert 'hx-trigger="every 5s"' in page.content.decode()
    for step in ("arrived", "in_consultation", "done"):
        response = bob_client.post(reverse("agenda:appointment_status", args=[appt.pk]), {"status": step},
                                   HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    appt.refresh_from_db()
    assert appt.status == Status.DONE and appt.arrived_at <= appt.consultation_at <= appt.done_at
    lists = bob_client.get(reverse("agenda:waiting_room_list")).content.decode()
    assert "MARTIN Jeanne" in lists


def test_waiting_room_refuses_impossible_steps(dr_alice, alice_cal, jeanne_martin):
    from django.core.exceptions import ValidationError

    appt = services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin,
                                     start=at(TUESDAY, 9), duration_minutes=15)
    services.appointment_mark_no_show(actor=dr_alice, appointment=appt)
    with pytest.raises(ValidationError):
        services.appointment_mark_done(actor=dr_alice, appointment=appt)


def test_patient_page_lists_appointments_and_no_shows(bob_client, dr_alice, alice_cal, jeanne_martin):
    appt = services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin,
                                     start=at(datetime.date(2024, 1, 9), 9), duration_minutes=15, force=True)
    services.appointment_mark_no_show(actor=dr_alice, appointment=appt)
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=at(TUESDAY, 9),
                              duration_minutes=15)
    page = bob_client.get(reverse("agenda:patient_appointments", kwargs={"patient_id": jeanne_martin.pk}))
    content = page.content.decode()
    assert page.status_code == 200
    assert content.count("<tr class=\"st-") == 2 and "st-no_show" in content
    assert AuditEvent.objects.filter(action="patients.agenda.viewed", patient_id=jeanne_martin.pk).exists()


def test_move_and_cancel_through_the_pages(bob_client, dr_alice, alice_cal, jeanne_martin):
    appt = services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin,
                                     start=at(TUESDAY, 9), duration_minutes=15)
    assert bob_client.get(reverse("agenda:appointment", args=[appt.pk])).status_code == 200
    response = bob_client.post(reverse("agenda:appointment_move", args=[appt.pk]), {
        "calendar": alice_cal.pk, "date": TUESDAY.isoformat(), "time": "10:30", "duration": 30, "scope": "this"})
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.start == at(TUESDAY, 10, 30) and appt.duration_minutes == 30
    bob_client.post(reverse("agenda:appointment_cancel", args=[appt.pk]), {"reason": "Grève", "scope": "this"})
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED
    log = bob_client.get(reverse("agenda:changes")).content.decode()
    assert "Grève" in log and "Bob Garnier" in log


def test_day_list_pdf(bob_client, dr_alice, alice_cal, jeanne_martin):
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=at(TUESDAY, 9),
                              duration_minutes=15)
    response = bob_client.get(reverse("agenda:day_pdf"), {"date": TUESDAY.isoformat()})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_setup_pages_for_secretary(bob_client, alice_cal, consult):
    assert bob_client.get(reverse("agenda:setup")).status_code == 200
    response = bob_client.post(reverse("agenda:hours", args=[alice_cal.pk]), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-weekday": "5", "form-0-start": "09:00",
        "form-0-end": "08:00"})
    assert response.status_code == 200 and alice_cal.opening_hours.filter(weekday=5).count() == 0
    response = bob_client.post(reverse("agenda:type_new"), {"name": "Vaccin", "duration_minutes": 10,
                                                             "colour": "#00aa00", "active": "on"})
    assert response.status_code == 302
    assert bob_client.get(reverse("agenda:settings")).status_code == 403  # practice options: administrators


def test_clinical_roles_only(client, admin_eve):
    client.force_login(admin_eve)
    assert client.get(reverse("agenda:all")).status_code == 403


def test_every_settings_page_renders(alice_client, dr_alice, alice_cal, consult, jeanne_martin):
    from intramuros.agenda.models import AgendaSettings, Calendar

    room = Calendar.objects.create(kind="room", name="Salle 2")
    s = AgendaSettings.current()
    s.online_booking_enabled = True
    s.save()
    appt = services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=at(TUESDAY, 9),
                                     type=consult, rule="FREQ=WEEKLY;COUNT=2")
    pages = [reverse("agenda:setup"), reverse("agenda:type_new"), reverse("agenda:type_edit", args=[consult.pk]),
             reverse("agenda:resource_new"), reverse("agenda:resource_edit", args=[room.pk]),
             reverse("agenda:hours", args=[alice_cal.pk]), reverse("agenda:feed", args=[alice_cal.pk]),
             reverse("agenda:unavailability_new"), reverse("agenda:settings"), reverse("agenda:export"),
             reverse("agenda:import"), reverse("agenda:book"), reverse("agenda:book_slots", args=[consult.pk]),
             reverse("agenda:appointment", args=[appt.pk]), reverse("agenda:waiting_room") + "?mine=1",
             reverse("agenda:appointment_new") + f"?cal={room.pk}&start=2027-01-12T10:00",
             reverse("agenda:week") + f"?cal={room.pk}&date=2027-01-12"]
    for url in pages:
        response = alice_client.get(url)
        assert response.status_code == 200, url
        assert 'style="' not in response.content.decode(), url


def test_unavailability_form_with_a_repeat_and_a_dst_gap(bob_client, alice_cal):
    from intramuros.agenda.models import Unavailability

    data = {"calendar": alice_cal.pk, "kind": "absence", "start_date": "2027-01-12", "start_time": "14:00",
            "end_date": "2027-01-12", "end_time": "16:00", "reason": "Hôpital", "repeat": "weekly", "count": "6"}
    assert bob_client.post(reverse("agenda:unavailability_new"), data).status_code == 302
    assert Unavailability.objects.get().rule == "FREQ=WEEKLY;COUNT=6"
    page = bob_client.post(reverse("agenda:unavailability_new"), data | {"start_date": "2026-03-29",
                                                                         "start_time": "02:15",
                                                                         "end_date": "2026-03-29"})
    assert page.status_code == 200 and "does not exist" in page.content.decode()
    page = bob_client.post(reverse("agenda:unavailability_new"), data | {"count": "", "rule": "FREQ=MINUTELY"})
    assert "more than 500" in page.content.decode()
    assert Unavailability.objects.count() == 1
