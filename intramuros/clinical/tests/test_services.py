import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from intramuros.audit.models import AuditEvent
from intramuros.clinical import selectors, services
from intramuros.clinical.models import Consultation, Treatment


@pytest.mark.django_db
def test_treatment_add_is_keyword_only_and_records_its_source(jeanne_martin, dr_alice):
    with pytest.raises(TypeError):
        services.treatment_add(jeanne_martin, dr_alice, "Amoxicilline")  # noqa
    t = services.treatment_add(patient=jeanne_martin, actor=dr_alice, drug="Amoxicilline 1 g", dosage="1 x 3/j",
                               kind="short_term", end=timezone.localdate() + datetime.timedelta(days=6),
                               source="prescriptions", source_ref="42")
    assert (t.prescriber, t.source, t.source_ref) == (dr_alice, "prescriptions", "42")
    assert selectors.current_treatments(jeanne_martin) == [t]
    assert AuditEvent.objects.filter(action="clinical.treatment.created", patient_id=jeanne_martin.pk).exists()


@pytest.mark.django_db
def test_treatment_ending_before_it_starts_is_refused(jeanne_martin, dr_alice):
    with pytest.raises(ValidationError) as exc:
        services.treatment_add(patient=jeanne_martin, actor=dr_alice, drug="X", start=datetime.date(2025, 5, 2),
                               end=datetime.date(2025, 5, 1))
    assert "end" in exc.value.message_dict
    assert not Treatment.all_objects.exists()


@pytest.mark.django_db
def test_a_stopped_treatment_moves_to_the_past(jeanne_martin, dr_alice):
    t = services.treatment_add(patient=jeanne_martin, actor=dr_alice, drug="Oméprazole",
                               start=timezone.localdate() - datetime.timedelta(days=30))
    services.treatment_stop(treatment=t, actor=dr_alice, on=timezone.localdate() - datetime.timedelta(days=1))
    record = selectors.record_for(jeanne_martin)
    assert record["current_treatments"] == [] and record["past_treatments"] == [t]


@pytest.mark.django_db
def test_consultation_with_unknown_diagnosis_code_saves_nothing(jeanne_martin, dr_alice, icd):
    with pytest.raises(ValidationError) as exc:
        services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                     data={"reason": "x"}, diagnoses=["J06.9", "NOPE"])
    assert "NOPE" in exc.value.message_dict["diagnoses"][0]
    assert not Consultation.all_objects.exists()


@pytest.mark.django_db
def test_consultation_create_is_audited_and_coded(consultation, jeanne_martin):
    assert [(d.code, d.label) for d in consultation.diagnoses.all()] == [("G43.9", "Migraine, unspecified")]
    assert consultation.bmi is not None
    assert AuditEvent.objects.filter(action="clinical.consultation.created", patient_id=jeanne_martin.pk).exists()


@pytest.mark.django_db
def test_reads_go_through_the_gate_and_are_logged(alice_client, jeanne_martin, consultation):
    from django.urls import reverse

    alice_client.get(reverse("clinical:consultation_detail", kwargs={"patient_id": jeanne_martin.pk,
                                                                     "pk": consultation.pk}))
    assert AuditEvent.objects.filter(action="patients.consultation.viewed", patient_id=jeanne_martin.pk).exists()


@pytest.mark.django_db
def test_pregnancy_form_computes_term_and_gestational_age(jeanne_martin, dr_alice, shipped_forms):
    version = shipped_forms["pregnancy_followup"]
    at = timezone.now()
    lmp = timezone.localtime(at).date() - datetime.timedelta(days=12 * 7 + 3)
    c = services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                     data={"at": at}, form_version=version, form_values={"lmp": lmp})
    values = selectors.form_values_of(c)
    assert values["gestational_age"] == 12 * 7 + 3
    assert values["due_date"] == lmp + datetime.timedelta(days=280)
    shown = {cell["key"]: cell["value"] for row in selectors.form_display_of(c) for cell in row}
    assert shown["gestational_age"] in ("12 SA + 3 j", "12 WA + 3 d")


@pytest.mark.django_db
def test_growth_form_stores_who_zscores(paul_durand, dr_charlie, shipped_forms):
    version = shipped_forms["paediatric_growth"]
    at = timezone.now()
    c = services.consultation_create(patient=paul_durand, practitioner=dr_charlie, actor=dr_charlie,
                                     data={"at": at}, form_version=version,
                                     form_values={"weight": 18.0, "height": 108.0, "head_circumference": 50.5})
    values = selectors.form_values_of(c)
    assert values["bmi"] == 15.4
    assert all(isinstance(values[k], float) for k in ("wfa_z", "lhfa_z", "bmifa_z"))
    assert -3 < values["wfa_z"] < 3
    assert "hcfa_z" not in values  # no WHO head circumference table past 5 years
    points = selectors.growth_points(paul_durand)
    assert points["wfa"][0][1] == 18.0


@pytest.mark.django_db
def test_pregnancy_status_comes_from_the_last_follow_up(jeanne_martin, paul_durand, dr_alice, shipped_forms):
    assert selectors.pregnancy_status(patient=jeanne_martin) is None
    lmp = timezone.localdate() - datetime.timedelta(days=70)
    services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                 data={"at": timezone.now()}, form_version=shipped_forms["pregnancy_followup"],
                                 form_values={"lmp": lmp})
    status = selectors.pregnancy_status(patient=jeanne_martin)
    assert status["pregnant"] and status["weeks"] == 10 and status["due_date"] == lmp + datetime.timedelta(days=280)
    assert selectors.pregnancy_status(patient=jeanne_martin, on=lmp + datetime.timedelta(days=300)) is None
    assert selectors.pregnancy_status(patient=paul_durand) is None
