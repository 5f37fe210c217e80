"""Break-the-glass: with "own patients only", another practitioner's patient needs a reason, is flagged."""

import pytest

from intramuros.audit.breakglass import BreakGlassRequired
from intramuros.audit.models import AuditEvent
from intramuros.patients.access import has_care_relation, patient_for_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("intramuros.audit.tests.urls")]


@pytest.fixture
def restricted(practice):
    practice.restrict_to_own_patients = True
    practice.save()


def test_own_patient_opens_without_a_reason(restricted, charlie_client, paul_durand):
    assert charlie_client.get(f"/test-summary/{paul_durand.pk}/").status_code == 200


def test_other_patient_asks_for_a_reason_then_opens_flagged(restricted, charlie_client, dr_charlie,
                                                            jeanne_martin):
    url = f"/test-summary/{jeanne_martin.pk}/"
    first = charlie_client.get(url)
    assert first.status_code == 302 and f"/audit/break-glass/{jeanne_martin.pk}/" in first["Location"]
    assert not AuditEvent.objects.filter(action="patients.summary.viewed", patient_id=jeanne_martin.pk).exists()
    form = charlie_client.get(first["Location"])
    assert form.status_code == 200 and "MARTIN Jeanne" in form.content.decode()
    short = charlie_client.post(first["Location"], {"reason": "why", "next": url})
    assert short.status_code == 200 and short.context["form"].errors["reason"]
    granted = charlie_client.post(first["Location"], {"reason": "Urgence, Dr Bernard absente", "next": url})
    assert granted.status_code == 302 and granted["Location"] == url
    assert charlie_client.get(url).status_code == 200
    grant = AuditEvent.objects.get(action="patients.break_glass.granted", actor=dr_charlie)
    assert grant.flagged and grant.detail["reason"] == "Urgence, Dr Bernard absente"
    read = AuditEvent.objects.get(action="patients.summary.viewed", actor=dr_charlie)
    assert read.flagged and "break_glass" in read.detail["alerts"]


def test_grant_is_for_one_patient_and_one_session(restricted, client, dr_charlie, jeanne_martin, dr_alice):
    from intramuros.testing.personas import make_patient

    other = make_patient(birth_name="Autre", referring_practitioner=dr_alice)
    client.force_login(dr_charlie)
    client.post(f"/audit/break-glass/{jeanne_martin.pk}/", {"reason": "Urgence pendant les congés"})
    assert client.get(f"/test-summary/{jeanne_martin.pk}/").status_code == 200
    assert client.get(f"/test-summary/{other.pk}/").status_code == 302
    client.logout()
    client.force_login(dr_charlie)
    assert client.get(f"/test-summary/{jeanne_martin.pk}/").status_code == 302


def test_htmx_request_gets_an_hx_redirect(restricted, charlie_client, jeanne_martin):
    response = charlie_client.get(f"/test-summary/{jeanne_martin.pk}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and "/audit/break-glass/" in response["HX-Redirect"]


def test_no_restriction_no_question_but_noted(practice, dr_charlie, jeanne_martin):
    patient_for_user(dr_charlie, jeanne_martin.pk, part="summary")
    read = AuditEvent.objects.get(action="patients.summary.viewed", actor=dr_charlie)
    assert not read.flagged and "no_care_relation" in read.detail["alerts"]


def test_identity_part_is_not_restricted(restricted, dr_charlie, jeanne_martin):
    assert patient_for_user(dr_charlie, jeanne_martin.pk, part="identity") == jeanne_martin


def test_gate_raises_the_specific_exception(restricted, dr_charlie, jeanne_martin):
    with pytest.raises(BreakGlassRequired) as info:
        patient_for_user(dr_charlie, jeanne_martin.pk, part="consultation")
    assert info.value.patient_id == jeanne_martin.pk


def test_care_relation_follows_referring_practitioner(dr_alice, dr_charlie, jeanne_martin):
    assert has_care_relation(dr_alice, jeanne_martin)
    assert not has_care_relation(dr_charlie, jeanne_martin)


def test_secretary_cannot_use_break_glass(bob_client, jeanne_martin):
    assert bob_client.get(f"/audit/break-glass/{jeanne_martin.pk}/").status_code == 403


def test_unsafe_next_is_ignored(restricted, charlie_client, jeanne_martin):
    response = charlie_client.post(f"/audit/break-glass/{jeanne_martin.pk}/",
                                   {"reason": "Urgence pendant les congés", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_appointment_or_a_consultation_makes_a_patient_ones_own(dr_charlie, jeanne_martin):
    from django.apps import apps

    try:
        Consultation = apps.get_model("clinical", "Consultation")
    except LookupError:
        pytest.skip("no consultations yet")
    assert not has_care_relation(dr_charlie, jeanne_martin)
    from intramuros.clinical import services

    services.consultation_create(patient=jeanne_martin, practitioner=dr_charlie, actor=dr_charlie,
                                 data={"reason": "Fièvre"})
    assert Consultation.objects.filter(patient=jeanne_martin, practitioner=dr_charlie).exists()
    assert has_care_relation(dr_charlie, jeanne_martin)


def test_a_booked_appointment_makes_a_patient_ones_own(dr_charlie, jeanne_martin):
    from django.apps import apps

    try:
        Appointment = apps.get_model("agenda", "Appointment")
        Calendar = apps.get_model("agenda", "Calendar")
    except LookupError:
        pytest.skip("no agenda yet")
    import datetime

    from django.utils import timezone

    calendar = Calendar.objects.filter(practitioner=dr_charlie).first() or Calendar.objects.create(
        name="Dr Lemaire", practitioner=dr_charlie)
    start = timezone.now() + datetime.timedelta(days=1)
    Appointment.objects.create(calendar=calendar, patient=jeanne_martin, start=start,
                               end=start + datetime.timedelta(minutes=20))
    assert has_care_relation(dr_charlie, jeanne_martin)


@pytest.mark.parametrize("target", ["-1", "javascript:alert(1)", "//evil.example/x", "<script>x</script>"])
def test_a_next_that_is_not_a_local_path_goes_home(restricted, charlie_client, jeanne_martin, target):
    response = charlie_client.post(f"/audit/break-glass/{jeanne_martin.pk}/",
                                   {"reason": "Urgence pendant les congés", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"
