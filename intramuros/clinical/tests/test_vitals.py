from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from intramuros.clinical import vitals
from intramuros.clinical.forms import ConsultationForm


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_bmi_is_weight_over_height_squared_rounded_to_one_decimal():
    assert vitals.bmi(Decimal("70"), Decimal("175")) == Decimal("22.9")
    assert vitals.bmi(80, 180) == Decimal("24.7")


def test_bmi_is_none_when_a_measure_is_missing():
    assert vitals.bmi(None, 170) is None
    assert vitals.bmi(70, None) is None


@pytest.mark.parametrize("name,value", [("weight_kg", 720), ("systolic_mmhg", 1300), ("temperature_c", 73),
                                        ("spo2_pct", 104), ("heart_rate_bpm", 5), ("height_cm", 17)])
def test_impossible_vital_is_refused_with_its_range_and_unit(name, value):
    with pytest.raises(ValidationError) as exc:
        vitals.RangeValidator(name)(value)
    message = exc.value.messages[0]
    r = vitals.RANGES[name]
    assert str(r.unit) in message and str(r.low) in message and str(r.high) in message


def _form(**data):
    base = {"at": "2025-03-01T10:00", "reason": "test"}
    base.update(data)
    return ConsultationForm(data=base)


@pytest.mark.django_db
def test_consultation_form_refuses_out_of_range_weight_at_the_field():
    form = _form(weight_kg="720")
    assert not form.is_valid()
    assert "weight_kg" in form.errors
    assert "0.3" in form.errors["weight_kg"][0] and "400" in form.errors["weight_kg"][0]


@pytest.mark.django_db
def test_consultation_form_accepts_plausible_vitals_with_a_french_comma():
    from django.utils import translation

    with translation.override("fr"):
        form = _form(weight_kg="72,346", height_cm="172", systolic_mmhg="125", diastolic_mmhg="80",
                     temperature_c="37,2", spo2_pct="98", glycaemia_g_l="0,95")
        assert form.is_valid(), form.errors
    assert form.cleaned_data["weight_kg"] == Decimal("72.35")


@pytest.mark.django_db
def test_diastolic_above_systolic_is_refused():
    form = _form(systolic_mmhg="80", diastolic_mmhg="120")
    assert not form.is_valid()
    assert "diastolic_mmhg" in form.errors


@pytest.mark.django_db
def test_half_a_blood_pressure_is_refused():
    form = _form(systolic_mmhg="120")
    assert not form.is_valid()
    assert "diastolic_mmhg" in form.errors


@pytest.mark.django_db
def test_model_validation_refuses_impossible_values_outside_forms(jeanne_martin, dr_alice):
    from intramuros.clinical import services
    from intramuros.clinical.models import Consultation

    with pytest.raises(ValidationError) as exc:
        services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                     data={"spo2_pct": 140})
    assert "spo2_pct" in exc.value.message_dict
    assert Consultation.all_objects.count() == 0
