import datetime

import pytest
from django.core.exceptions import ValidationError

from intramuros.audit.models import AuditEvent
from intramuros.patients.models import Patient
from intramuros.patients.services import DuplicateSuspected, patient_register, patient_update
from intramuros.patients.validators import normalise_phone, validate_nir

VALID = dict(birth_name="Moreau", first_names="Léa", sex="F", birth_date=datetime.date(1988, 5, 9))


@pytest.mark.parametrize("nir", ["275037510812303", "2 75 03 75 108 123 03", "253072B07300470", "253072A07300443"])
def test_valid_nirs_including_corsica_are_accepted(nir):
    validate_nir(nir.replace(" ", ""))


@pytest.mark.parametrize("nir, code", [
    ("275037510812304", "nir_key"),
    ("27503751081230", "nir_length"),
    ("253072C07300443", "nir_format"),
    ("2750375108123AB", "nir_format"),
])
def test_invalid_nirs_are_refused_with_a_reason(nir, code):
    with pytest.raises(ValidationError) as exc:
        validate_nir(nir)
    assert exc.value.code == code


@pytest.mark.parametrize("raw, expected", [
    ("0612345678", "06 12 34 56 78"), ("06.12.34.56.78", "06 12 34 56 78"), ("+33 6 12 34 56 78", "06 12 34 56 78"),
    ("0033612345678", "06 12 34 56 78"), ("+44 20 7946 0958", "+442079460958"), ("", ""),
])
def test_phones_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["06 12 34", "call me", "06123456789"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw)


def test_register_normalises_and_audits(dr_alice):
    patient = patient_register(actor=dr_alice, **VALID, phone_mobile="0611223344")
    assert patient.phone_mobile == "06 11 22 33 44"
    assert patient.search_phones == "0611223344"
    event = AuditEvent.objects.get(action="patients.patient.registered")
    assert event.patient_id == patient.pk and event.actor == dr_alice


@pytest.mark.parametrize("field, value", [
    ("nir", "275037510812304"),
    ("birth_date", datetime.date.today() + datetime.timedelta(days=1)),
    ("birth_date", datetime.date(1850, 1, 1)),
    ("birth_name", "Mor\x07eau"),
    ("birth_name", "Moreau\u200b"),
    ("first_names", "L" * 151),
    ("birth_name", "Moreau2"),
    ("phone_mobile", "12"),
    ("email", "not-an-address"),
])
def test_bad_input_is_refused_at_the_field_and_nothing_saved(dr_alice, field, value):
    with pytest.raises(ValidationError) as exc:
        patient_register(actor=dr_alice, **{**VALID, field: value})
    assert field in exc.value.message_dict
    assert not Patient.all_objects.exists()
    assert not AuditEvent.objects.filter(action="patients.patient.registered").exists()


def test_form_reports_impossible_date_and_bad_nir_at_the_field(alice_client):
    response = alice_client.post("/patients/new/", {"birth_name": "Moreau", "first_names": "Léa", "sex": "F",
                                                     "birth_date": "31/02/1988", "nir": "275037510812304"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "birth_date" in form.errors and "nir" in form.errors
    assert "key" in str(form.errors["nir"]).lower() or "clé" in str(form.errors["nir"]).lower()
    assert not Patient.all_objects.exists()


def test_update_keeps_history_and_audits_field_names_only(dr_alice, jeanne_martin):
    patient_update(actor=dr_alice, patient=jeanne_martin, used_name="Durand", city="Colmar")
    jeanne_martin.refresh_from_db()
    assert jeanne_martin.search_used == "durand jeanne"
    assert jeanne_martin.history.count() == 2
    latest = jeanne_martin.history.first()
    assert latest.history_user == dr_alice
    event = AuditEvent.objects.get(action="patients.patient.updated")
    assert set(event.detail["fields"]) == {"used_name", "city"}
    assert "Colmar" not in str(event.detail)


# Duplicates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("changes", [
    {},                                                    # same person typed again
    {"birth_name": "MARTIN", "first_names": "jeanne"},     # case
    {"birth_name": "Martín", "first_names": "Jéanne"},     # accents
    {"birth_name": "Martinn"},                             # a typo
    {"first_names": "Jaenne"},                             # swapped letters
    {"birth_date": datetime.date(1975, 2, 3)},             # day and month swapped (Jeanne moved to 02/03 below)
])
def test_possible_duplicates_are_detected(dr_alice, jeanne_martin, changes):
    data = dict(birth_name="Martin", first_names="Jeanne", sex="F", birth_date=datetime.date(1975, 3, 14))
    data.update(changes)
    if "birth_date" in changes:  # 14/03 cannot be swapped: give Jeanne a date that can
        jeanne_martin.birth_date = datetime.date(1975, 3, 2)
        jeanne_martin.save()
    with pytest.raises(DuplicateSuspected) as exc:
        patient_register(actor=dr_alice, **data)
    assert [c.patient.pk for c in exc.value.candidates] == [jeanne_martin.pk]


def test_same_nir_is_a_duplicate_whatever_the_names(dr_alice, jeanne_martin):
    with pytest.raises(DuplicateSuspected) as exc:
        patient_register(actor=dr_alice, birth_name="Zola", first_names="Émile", sex="F",
                         birth_date=datetime.date(1975, 3, 1), nir=jeanne_martin.nir)
    assert exc.value.candidates[0].patient == jeanne_martin


def test_different_people_are_not_duplicates(dr_alice, jeanne_martin):
    patient_register(actor=dr_alice, birth_name="Martin", first_names="Paul", sex="M",
                     birth_date=datetime.date(1975, 3, 14))
    patient_register(actor=dr_alice, birth_name="Bernard", first_names="Jeanne", sex="F",
                     birth_date=datetime.date(1975, 3, 14))
    assert Patient.objects.count() == 3


def test_duplicate_can_be_confirmed_explicitly(dr_alice, jeanne_martin):
    patient = patient_register(actor=dr_alice, birth_name="Martin", first_names="Jeanne", sex="F",
                               birth_date=datetime.date(1975, 3, 14), confirm_duplicate=True)
    event = AuditEvent.objects.get(action="patients.patient.registered")
    assert event.detail["duplicates_confirmed"] == [jeanne_martin.pk]
    assert patient.pk != jeanne_martin.pk


def test_create_page_shows_candidates_then_saves_only_on_confirmation(alice_client, jeanne_martin):
    data = {"birth_name": "MARTIN", "first_names": "Jeanne", "sex": "F", "birth_date": "14/03/1975"}
    response = alice_client.post("/patients/new/", data)
    assert response.status_code == 200
    assert f'data-duplicate="{jeanne_martin.pk}"' in response.content.decode()
    assert Patient.objects.count() == 1
    response = alice_client.post("/patients/new/", {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_form_reports_too_long_and_control_characters_at_the_field(alice_client):
    response = alice_client.post("/patients/new/", {"birth_name": "M" * 101, "first_names": "Lé\x1ba", "sex": "F",
                                                     "birth_date": "09/05/1988", "phone_mobile": "06 12"})
    form = response.context["form"]
    assert set(form.errors) == {"birth_name", "first_names", "phone_mobile"}
    assert not Patient.all_objects.exists()
