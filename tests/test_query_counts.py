"""Number of SQL queries of the main pages, on a realistic amount of data, so that an N+1 regression fails.

Each page is given many rows of what it lists (20 consultations, 10 treatments, 5 allergies on one patient;
60 appointments in a week, each with its own patient; a day of billing): a query per row would exceed the
ceilings below by far. The ceilings are the counts measured on PostgreSQL (one more than on SQLite: the
audit chain's advisory lock), at most one over (session, audit and access-gate queries included); lower them
when a page gets leaner.
"""

from __future__ import annotations

import datetime
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from intramuros.testing.personas import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_patient(jeanne_martin, dr_alice):
    from intramuros.clinical.models import Allergy, Antecedent, Consultation, Diagnosis, Problem, Treatment

    now = timezone.now()
    for i in range(20):
        c = Consultation.objects.create(patient=jeanne_martin, practitioner=dr_alice,
                                        at=now - datetime.timedelta(days=30 * i), reason=f"Suivi {i}",
                                        examination="RAS", weight_kg="70.5", systolic_mmhg=130, diastolic_mmhg=80)
        Diagnosis.objects.create(consultation=c, code="J06.9", label="Rhinopharyngite")
    for i in range(10):
        Treatment.objects.create(patient=jeanne_martin, created_by=dr_alice, drug=f"Médicament {i} 10 mg",
                                 dosage="1 cp le matin", prescriber=dr_alice)
    for i in range(5):
        Allergy.objects.create(patient=jeanne_martin, created_by=dr_alice, substance=f"Substance {i}")
    for i in range(5):
        Antecedent.objects.create(patient=jeanne_martin, created_by=dr_alice, category="medical",
                                  label=f"Antécédent {i}")
        Problem.objects.create(patient=jeanne_martin, created_by=dr_alice, label=f"Problème {i}")
    return jeanne_martin


@pytest.fixture
def busy_week(dr_alice):
    """60 appointments this week in Alice's calendar, each with its own patient; today's are in the waiting room."""
    from intramuros.agenda.models import Appointment, AppointmentType, Status
    from intramuros.agenda.services import calendar_ensure
    from intramuros.agenda.timeutil import make_local

    calendar = calendar_ensure(practitioner=dr_alice)
    kind = AppointmentType.objects.create(name="Consultation", duration_minutes=20)
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    days = [monday + datetime.timedelta(days=d) for d in range(5)]
    if today not in days:
        days[-1] = today
    rng = random.Random(3)
    rows = []
    for n in range(60):
        day, slot = days[n % 5], n // 5
        start = make_local(datetime.datetime.combine(day, datetime.time(8, 0)) + datetime.timedelta(minutes=20 * slot))
        patient = make_patient(birth_name=f"Patient{n}", first_names="Test", nir="",
                               birth_date=datetime.date(1950 + rng.randint(0, 60), 1, 1))
        status = Status.ARRIVED if day == today and slot % 2 else Status.BOOKED
        rows.append(Appointment(calendar=calendar, patient=patient, type=kind, start=start,
                                end=start + datetime.timedelta(minutes=20), status=status,
                                arrived_at=start if status == Status.ARRIVED else None, created_by=dr_alice))
    Appointment.objects.bulk_create(rows)
    return calendar


@pytest.fixture
def busy_day(dr_alice, busy_week):
    """A day of billing for Alice: invoices and payments, as billing.synthetic writes them."""
    from intramuros.agenda.models import Appointment
    from intramuros.billing import synthetic
    from intramuros.patients.models import Patient

    today = timezone.localdate()
    patients = list(Patient.objects.filter(pk__in=Appointment.objects.values("patient_id")))
    synthetic.generate(practitioners=[dr_alice], patients=patients, start=today, end=today, per_day=25,
                       rng=random.Random(5), actor=dr_alice, working_ratio=1.0)
    return today


def test_patient_search_partial(alice_client, busy_week, django_assert_max_num_queries):
    # The process's first search also reads the names of today's patients once, in one query (then kept while
    # no patient changes) on the embedded database.
    with django_assert_max_num_queries(21):
        response = alice_client.get(reverse("patients:search"), {"q": "patient"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_patient_summary(alice_client, busy_patient, django_assert_max_num_queries):
    with django_assert_max_num_queries(26):
        response = alice_client.get(reverse("clinical:summary", args=[busy_patient.pk]))
    assert response.status_code == 200


def test_consultation_detail(alice_client, busy_patient, django_assert_max_num_queries):
    from intramuros.clinical.models import Consultation

    c = Consultation.objects.filter(patient=busy_patient).first()
    with django_assert_max_num_queries(20):
        response = alice_client.get(reverse("clinical:consultation_detail", args=[busy_patient.pk, c.pk]))
    assert response.status_code == 200


def test_agenda_week(alice_client, busy_week, django_assert_max_num_queries):
    with django_assert_max_num_queries(21):
        response = alice_client.get(reverse("agenda:week"), {"cal": busy_week.pk})
    assert response.status_code == 200
    assert b"patient5" in response.content.lower()  # the appointments are on the page


def test_waiting_room(alice_client, busy_week, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        response = alice_client.get(reverse("agenda:waiting_room"))
    assert response.status_code == 200


def test_billing_day(alice_client, busy_day, django_assert_max_num_queries):
    with django_assert_max_num_queries(18):
        response = alice_client.get(reverse("billing:takings"), {"day": busy_day.isoformat()})
    assert response.status_code == 200
