import datetime

import pytest
from django.core.exceptions import ValidationError

from intramuros.agenda import services
from intramuros.agenda.conflicts import ConflictError
from intramuros.agenda.models import Appointment, Status, Unavailability
from intramuros.agenda.tests.conftest import TUESDAY, at
from intramuros.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def book(actor, cal, patient, start, **kw):
    return services.appointment_book(actor=actor, calendar=cal, patient=patient, start=start, **kw)


def test_booking_is_audited_with_the_patient(dr_alice, alice_cal, jeanne_martin, consult):
    appt = book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), type=consult)
    assert appt.duration_minutes == 20
    event = AuditEvent.objects.get(action="agenda.appointment.booked")
    assert event.patient_id == jeanne_martin.pk and event.target_id == str(appt.pk)


def test_double_booking_is_refused_unless_confirmed(dr_alice, alice_cal, jeanne_martin, paul_durand, consult):
    book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), type=consult)
    with pytest.raises(ConflictError) as exc:
        book(dr_alice, alice_cal, paul_durand, at(TUESDAY, 9, 10), type=consult)
    assert "already has an appointment" in exc.value.conflicts[0]
    forced = book(dr_alice, alice_cal, paul_durand, at(TUESDAY, 9, 10), type=consult, force=True)
    assert forced.forced
    assert Appointment.objects.count() == 2


def test_back_to_back_appointments_do_not_conflict(dr_alice, alice_cal, jeanne_martin, paul_durand, consult):
    book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), type=consult)
    book(dr_alice, alice_cal, paul_durand, at(TUESDAY, 9, 20), type=consult)


def test_outside_opening_hours_is_refused(dr_alice, alice_cal, jeanne_martin):
    with pytest.raises(ConflictError) as exc:
        book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 12, 50), duration_minutes=20)
    assert "outside the opening hours" in exc.value.conflicts[0]
    with pytest.raises(ConflictError):  # overlaps the lunch break
        book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 11, 50), duration_minutes=20)


def test_during_an_absence_is_refused(dr_alice, alice_cal, jeanne_martin):
    services.unavailability_create(actor=dr_alice, calendar=alice_cal, start=at(TUESDAY, 8), end=at(TUESDAY, 12),
                                   reason="Formation")
    with pytest.raises(ConflictError) as exc:
        book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 10), duration_minutes=15)
    assert "Formation" in exc.value.conflicts[0]


def test_recurring_absence_blocks_every_occurrence(dr_alice, alice_cal, jeanne_martin):
    services.unavailability_create(actor=dr_alice, calendar=alice_cal, start=at(TUESDAY, 14), end=at(TUESDAY, 16),
                                   reason="Hôpital", rule="FREQ=WEEKLY;COUNT=5")
    with pytest.raises(ConflictError):
        book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY + datetime.timedelta(weeks=3), 15), duration_minutes=15)
    book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY + datetime.timedelta(weeks=5), 15), duration_minutes=15)


def test_public_holiday_of_alsace_moselle_is_a_conflict(dr_alice, alice_cal, jeanne_martin):
    from intramuros.agenda.models import AgendaSettings

    s = AgendaSettings.current()
    s.holiday_region = "57"
    s.save()
    good_friday = datetime.date(2027, 3, 26)  # Vendredi saint: a holiday in Moselle only
    with pytest.raises(ConflictError) as exc:
        book(dr_alice, alice_cal, jeanne_martin, at(good_friday, 9), duration_minutes=15)
    assert "public holiday" in exc.value.conflicts[0]
    s.holiday_region = ""
    s.save()
    book(dr_alice, alice_cal, jeanne_martin, at(good_friday, 9), duration_minutes=15)


@pytest.mark.parametrize("minutes", [0, -10, 2, 601])
def test_impossible_durations_are_refused(dr_alice, alice_cal, jeanne_martin, minutes):
    with pytest.raises(ValidationError) as exc:
        book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), duration_minutes=minutes or -1)
    assert "minutes" in exc.value.messages[0]
    assert not Appointment.objects.exists()


def test_time_in_daylight_saving_gap_is_refused_clearly(dr_alice, alice_cal, jeanne_martin):
    with pytest.raises(ValidationError) as exc:
        book(dr_alice, alice_cal, jeanne_martin, datetime.datetime(2026, 3, 29, 2, 30), duration_minutes=15)
    assert "does not exist" in exc.value.messages[0] and "03:30" in exc.value.messages[0]


def test_move_and_resize_checks_conflicts(dr_alice, alice_cal, jeanne_martin, paul_durand, consult):
    a = book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), type=consult)
    book(dr_alice, alice_cal, paul_durand, at(TUESDAY, 10), type=consult)
    with pytest.raises(ConflictError):
        services.appointment_move(actor=dr_alice, appointment=a, start=at(TUESDAY, 9, 50), duration_minutes=20)
    moved = services.appointment_move(actor=dr_alice, appointment=a, start=at(TUESDAY, 9, 20), duration_minutes=40)
    assert moved.end == at(TUESDAY, 10)
    assert AuditEvent.objects.filter(action="agenda.appointment.moved", patient_id=jeanne_martin.pk).exists()


def test_cancel_needs_a_reason_and_frees_the_slot(dr_alice, alice_cal, jeanne_martin, paul_durand, consult):
    a = book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), type=consult)
    with pytest.raises(ValidationError):
        services.appointment_cancel(actor=dr_alice, appointment=a, reason="  ")
    services.appointment_cancel(actor=dr_alice, appointment=a, reason="Patient malade")
    a.refresh_from_db()
    assert a.status == Status.CANCELLED and a.cancel_reason == "Patient malade"
    book(dr_alice, alice_cal, paul_durand, at(TUESDAY, 9), type=consult)
    with pytest.raises(ValidationError):
        services.appointment_move(actor=dr_alice, appointment=a, start=at(TUESDAY, 15), duration_minutes=20)


def test_resource_double_booking_is_detected(dr_alice, dr_charlie, alice_cal, charlie_cal, jeanne_martin,
                                             paul_durand):
    from intramuros.agenda.models import Calendar

    echo = Calendar.objects.create(kind="equipment", name="Échographe")
    book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), duration_minutes=30, resource=echo)
    with pytest.raises(ConflictError) as exc:
        book(dr_charlie, charlie_cal, paul_durand, at(TUESDAY, 9, 15), duration_minutes=30, resource=echo)
    assert "Échographe" in exc.value.conflicts[0]


def test_every_change_is_kept_in_history(dr_alice, alice_cal, jeanne_martin, consult):
    a = book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), type=consult)
    services.appointment_move(actor=dr_alice, appointment=a, start=at(TUESDAY, 10), duration_minutes=20)
    services.appointment_cancel(actor=dr_alice, appointment=a, reason="Empêchement")
    history = list(a.history.order_by("history_date"))
    assert [h.status for h in history] == ["booked", "booked", "cancelled"]
    assert history[0].start == at(TUESDAY, 9) and history[1].start == at(TUESDAY, 10)


def test_unavailability_with_end_before_start_is_refused(dr_alice, alice_cal):
    with pytest.raises(ValidationError):
        services.unavailability_create(actor=dr_alice, calendar=alice_cal, start=at(TUESDAY, 12),
                                       end=at(TUESDAY, 8))
    assert not Unavailability.objects.exists()


def test_type_not_offered_by_the_practitioner_is_refused(dr_charlie, charlie_cal, jeanne_martin, consult):
    with pytest.raises(ValidationError) as exc:
        book(dr_charlie, charlie_cal, jeanne_martin, at(TUESDAY, 9), type=consult)
    assert "does not offer" in exc.value.messages[0]


def test_timeline_lists_appointments_for_agenda_roles(dr_alice, admin_eve, alice_cal, jeanne_martin):
    from intramuros.agenda.timeline import entries

    book(dr_alice, alice_cal, jeanne_martin, at(TUESDAY, 9), duration_minutes=15)
    assert [e.kind for e in entries(patient=jeanne_martin, user=dr_alice)] == ["appointment"]
    assert entries(patient=jeanne_martin, user=admin_eve) == []


def test_skipping_one_occurrence_of_a_recurring_absence(dr_alice, alice_cal, jeanne_martin):
    item = services.unavailability_create(actor=dr_alice, calendar=alice_cal, start=at(TUESDAY, 14),
                                          end=at(TUESDAY, 16), reason="Hôpital", rule="FREQ=WEEKLY;COUNT=5")
    next_week = TUESDAY + datetime.timedelta(weeks=1)
    with pytest.raises(ValidationError):  # no occurrence on a Wednesday
        services.unavailability_skip(actor=dr_alice, item=item, day=next_week + datetime.timedelta(days=1))
    services.unavailability_skip(actor=dr_alice, item=item, day=next_week)
    book(dr_alice, alice_cal, jeanne_martin, at(next_week, 15), duration_minutes=15)  # free that week only
    with pytest.raises(ConflictError):
        book(dr_alice, alice_cal, jeanne_martin, at(next_week + datetime.timedelta(weeks=1), 15), duration_minutes=15)


def test_setup_page_lists_running_recurring_absences(bob_client, dr_alice, alice_cal):
    from django.urls import reverse

    started = TUESDAY - datetime.timedelta(weeks=200)
    services.unavailability_create(actor=dr_alice, calendar=alice_cal, start=at(started, 14), end=at(started, 16),
                                   reason="Garde hebdomadaire", rule="FREQ=WEEKLY")
    assert "Garde hebdomadaire" in bob_client.get(reverse("agenda:setup")).content.decode()
