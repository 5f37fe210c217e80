"""Page by page: the practitioner sees the record; the secretary (and an IT administrator) never does."""

import datetime
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from intramuros.clinical import services
from intramuros.clinical.models import Allergy, Antecedent, Consultation

SECRET = "Migraine sans aura"


@pytest.fixture
def record(consultation, jeanne_martin, dr_alice):
    allergy = services.allergy_create(patient=jeanne_martin, actor=dr_alice,
                                      data={"substance": "Pénicilline", "reaction": "Urticaire", "severity": "severe"})
    antecedent = services.antecedent_create(patient=jeanne_martin, actor=dr_alice,
                                            data={"category": "medical", "label": SECRET, "icd10": "G43.9"})
    treatment = services.treatment_add(patient=jeanne_martin, actor=dr_alice, drug="Amlodipine 5 mg")
    gone = services.problem_create(patient=jeanne_martin, actor=dr_alice, data={"label": "Entorse"})
    services.record_item_delete(item=gone, actor=dr_alice)
    return {"consultation": consultation, "allergy": allergy, "antecedent": antecedent, "treatment": treatment,
            "gone": gone}


def _urls(patient, record):
    p, c = patient.pk, record["consultation"].pk
    a, g = record["antecedent"].pk, record["gone"].pk
    return [
        reverse("clinical:summary", kwargs={"patient_id": p}),
        reverse("clinical:record", kwargs={"patient_id": p}),
        reverse("clinical:consultations", kwargs={"patient_id": p}),
        reverse("clinical:timeline", kwargs={"patient_id": p}),
        reverse("clinical:charts", kwargs={"patient_id": p}),
        reverse("clinical:consultation_detail", kwargs={"patient_id": p, "pk": c}),
        reverse("clinical:consultation_edit", kwargs={"patient_id": p, "pk": c}),
        reverse("clinical:consultation_create", kwargs={"patient_id": p}),
        reverse("clinical:item_add", kwargs={"patient_id": p, "kind": "antecedent"}),
        reverse("clinical:item_edit", kwargs={"patient_id": p, "kind": "antecedent", "pk": a}),
        reverse("clinical:item_history", kwargs={"patient_id": p, "kind": "antecedent", "pk": a}),
        reverse("clinical:item_history", kwargs={"patient_id": p, "kind": "consultation", "pk": c}),
        reverse("clinical:item_history", kwargs={"patient_id": p, "kind": "problem", "pk": g}),
        reverse("clinical:deleted", kwargs={"patient_id": p}),
    ]


@pytest.mark.django_db
def test_the_practitioner_sees_every_page_of_the_record(alice_client, jeanne_martin, record):
    for url in _urls(jeanne_martin, record):
        response = alice_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_the_summary_shows_alerts_antecedents_treatments_and_consultations(alice_client, jeanne_martin, record):
    html = alice_client.get(reverse("clinical:summary", kwargs={"patient_id": jeanne_martin.pk})).content.decode()
    assert "Pénicilline" in html and "Urticaire" in html  # the alerts banner
    assert SECRET in html and "Amlodipine 5 mg" in html and "Céphalées" in html
    assert "Entorse" not in html  # deleted


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["bob_client", "eve_client"])
def test_the_secretary_and_the_it_administrator_never_see_clinical_content(request, who, jeanne_martin, record):
    client = request.getfixturevalue(who)
    for url in _urls(jeanne_martin, record):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert SECRET.encode() not in response.content and b"Amlodipine" not in response.content


@pytest.fixture
def eve_client(client, admin_eve):
    client.force_login(admin_eve)
    return client


@pytest.mark.django_db
def test_the_secretary_cannot_write_delete_or_restore(bob_client, jeanne_martin, record):
    p = jeanne_martin.pk
    posts = [
        (reverse("clinical:item_add", kwargs={"patient_id": p, "kind": "allergy"}), {"substance": "Latex"}),
        (reverse("clinical:item_delete", kwargs={"patient_id": p, "kind": "allergy", "pk": record["allergy"].pk}), {}),
        (reverse("clinical:item_restore", kwargs={"patient_id": p, "kind": "problem", "pk": record["gone"].pk}), {}),
        (reverse("clinical:treatment_stop", kwargs={"patient_id": p, "pk": record["treatment"].pk}), {}),
        (reverse("clinical:consultation_create", kwargs={"patient_id": p}), {"at": "2025-01-01T10:00"}),
    ]
    for url, data in posts:
        assert bob_client.post(url, data).status_code in (403, 404), url
    assert Allergy.objects.filter(patient=jeanne_martin).count() == 1
    assert record["gone"].__class__.objects.filter(pk=record["gone"].pk).count() == 0
    assert Consultation.objects.count() == 1


@pytest.mark.django_db
def test_the_patient_file_banner_hides_allergies_from_the_secretary(bob_client, jeanne_martin, record):
    try:
        url = reverse("patients:identity", kwargs={"patient_id": jeanne_martin.pk})
    except NoReverseMatch:
        pytest.skip("the patients app has no identity page yet")
    assert b"P\xc3\xa9nicilline" not in bob_client.get(url).content


@pytest.mark.django_db
def test_the_summary_takes_a_bounded_number_of_queries(alice_client, jeanne_martin, dr_alice, record,
                                                       django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("clinical:summary", kwargs={"patient_id": jeanne_martin.pk})
    alice_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as short_file:
        alice_client.get(url)
    for day in range(30):
        services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                     data={"at": timezone.now() - datetime.timedelta(days=day + 10),
                                           "weight_kg": Decimal("60")}, diagnoses=["J06.9"])
        services.antecedent_create(patient=jeanne_martin, actor=dr_alice,
                                   data={"category": "surgical", "label": f"Op {day}"})
    # About ten queries are the summary's own; the rest is the session, the audit row and the page shell.
    with django_assert_max_num_queries(30):
        with CaptureQueriesContext(connection) as long_file:
            response = alice_client.get(url)
    assert response.status_code == 200
    assert len(long_file.captured_queries) == len(short_file.captured_queries)  # a long file costs no more


@pytest.mark.django_db
def test_adding_an_antecedent_with_an_icd10_code(alice_client, jeanne_martin, icd):
    url = reverse("clinical:item_add", kwargs={"patient_id": jeanne_martin.pk, "kind": "antecedent"})
    response = alice_client.post(url, {"category": "medical", "label": "Asthme", "icd10": "j45.9"})
    assert response.status_code == 302
    assert Antecedent.objects.get(patient=jeanne_martin).icd10 == "J45.9"


@pytest.mark.django_db
def test_an_unknown_icd10_code_is_refused_at_the_field(alice_client, jeanne_martin, icd):
    url = reverse("clinical:item_add", kwargs={"patient_id": jeanne_martin.pk, "kind": "antecedent"})
    response = alice_client.post(url, {"category": "medical", "label": "Asthme", "icd10": "XYZ.9"})
    assert response.status_code == 200
    assert "XYZ.9" in response.context["form"].errors["icd10"][0]
    assert not Antecedent.objects.exists()


@pytest.mark.django_db
def test_pack_years_only_for_tobacco(alice_client, jeanne_martin):
    url = reverse("clinical:item_add", kwargs={"patient_id": jeanne_martin.pk, "kind": "antecedent"})
    response = alice_client.post(url, {"category": "lifestyle", "label": "Tabac", "pack_years": "12"})
    assert "pack_years" in response.context["form"].errors
    alice_client.post(url, {"category": "lifestyle", "label": "Tabac", "lifestyle": "tobacco", "pack_years": "12,5"})
    assert Antecedent.objects.get(patient=jeanne_martin).pack_years == Decimal("12.5")


@pytest.mark.django_db
def test_a_consultation_with_a_form_is_created_from_the_page(alice_client, jeanne_martin, shipped_forms, icd):
    version = shipped_forms["adult_checkup"]
    url = reverse("clinical:consultation_create", kwargs={"patient_id": jeanne_martin.pk})
    page = alice_client.get(url, {"form": version.definition_id})
    assert b"form-weight" in page.content
    response = alice_client.post(url, {
        "form_version": version.pk, "at": "2025-03-01T10:00", "reason": "Bilan", "weight_kg": "70",
        "height_cm": "175", "systolic_mmhg": "120", "diastolic_mmhg": "75", "diagnoses": "Z00.0, I10",
        "form-weight": "70", "form-height": "175", "form-smoking": "former", "form-screening": ["lipids", "breast"],
        "form-vaccines_up_to_date": "yes"})
    assert response.status_code == 302, response.context and response.context["form"].errors
    c = Consultation.objects.get()
    assert [d.code for d in c.diagnoses.all()] == ["Z00.0", "I10"] and c.bmi == Decimal("22.9")
    detail = alice_client.get(response.url).content.decode()
    assert "22.9 kg/m²" in detail and "Ancien fumeur" in detail or "Former smoker" in detail


@pytest.mark.django_db
def test_an_impossible_vital_on_the_page_saves_nothing(alice_client, jeanne_martin, shipped_forms):
    version = shipped_forms["adult_checkup"]
    url = reverse("clinical:consultation_create", kwargs={"patient_id": jeanne_martin.pk})
    response = alice_client.post(url, {"form_version": version.pk, "at": "2025-03-01T10:00", "weight_kg": "70",
                                       "temperature_c": "73", "form-weight": "70", "form-height": "17500"})
    assert response.status_code == 200
    assert "temperature_c" in response.context["form"].errors
    assert "height" in response.context["schema_form"].errors
    assert not Consultation.all_objects.exists()


@pytest.mark.django_db
def test_the_forms_admin_page_validates_and_versions(alice_client, bob_secretary):
    from django.test import Client

    bob_client = Client()
    bob_client.force_login(bob_secretary)
    url = reverse("clinical:form_new")
    bad = "key: f1\ntitle: F\nfields:\n  - {key: a, type: rainbow, label: A}\n"
    response = alice_client.post(url, {"source": bad})
    assert response.status_code == 200 and "rainbow" in response.context["form"].errors["source"][0]
    good = "key: f1\ntitle: F\nfields:\n  - {key: a, type: text, label: A}\n"
    response = alice_client.post(url, {"source": good})
    assert response.status_code == 302
    assert alice_client.get(reverse("clinical:forms")).status_code == 200
    assert bob_client.get(reverse("clinical:forms")).status_code == 403


@pytest.mark.django_db
def test_a_new_consultation_offers_the_form_of_the_practitioners_specialty(charlie_client, paul_durand,
                                                                           shipped_forms):
    url = reverse("clinical:consultation_create", kwargs={"patient_id": paul_durand.pk})
    assert charlie_client.get(url).context["version"] == shipped_forms["paediatric_growth"]  # Pédiatrie
    assert charlie_client.get(url, {"form": ""}).context["version"] is None  # "no form" chosen


@pytest.mark.django_db
def test_allergies_are_listed_most_severe_first(jeanne_martin, dr_alice):
    from intramuros.clinical import selectors

    for substance, severity in [("Arachide", "life_threatening"), ("Aspirine", "mild"), ("Codéine", "severe")]:
        services.allergy_create(patient=jeanne_martin, actor=dr_alice,
                                data={"substance": substance, "severity": severity})
    assert [a.substance for a in selectors.allergies_for(jeanne_martin)] == ["Arachide", "Codéine", "Aspirine"]
