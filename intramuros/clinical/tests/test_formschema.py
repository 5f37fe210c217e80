import datetime
import textwrap

import pytest

from intramuros.clinical import formschema, services
from intramuros.clinical.formschema import FormSchemaError, parse_form
from intramuros.clinical.models import FormDefinition, FormVersion


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield

GOOD = textwrap.dedent("""
    key: test_form
    title: Test
    fields:
      - {key: weight, type: number, label: Weight, unit: kg, min: 1, max: 300}
      - {key: height, type: number, label: Height, unit: cm, min: 30, max: 250}
      - {key: bmi, type: computed, compute: bmi, weight: weight, height: height, label: BMI}
      - {key: lmp, type: date, label: LMP}
      - {key: ga, type: computed, compute: gestational_age, lmp: lmp, label: GA}
      - {key: term, type: computed, compute: due_date, lmp: lmp, label: Term}
      - {key: age, type: computed, compute: age, label: Age}
    layout:
      - [weight, height, bmi]
""")


def _broken(fields: str) -> str:
    return "key: broken\ntitle: Broken\nfields:\n" + textwrap.indent(textwrap.dedent(fields), "  ")


def test_a_valid_form_parses_with_its_layout_completed():
    schema = parse_form(GOOD)
    assert [f["key"] for f in schema["fields"]][:3] == ["weight", "height", "bmi"]
    # fields the layout forgot still get a row: no value can be lost by a layout slip
    assert schema["layout"][0] == ["weight", "height", "bmi"]
    assert ["lmp"] in schema["layout"] and ["age"] in schema["layout"]


def test_unknown_field_type_is_refused_naming_the_field():
    with pytest.raises(FormSchemaError) as exc:
        parse_form(_broken("- {key: mood, type: smiley, label: Mood}"))
    assert exc.value.field == "mood"
    assert "smiley" in str(exc.value) and "mood" in str(exc.value)


def test_broken_reference_in_a_computed_field_is_refused_naming_the_field():
    with pytest.raises(FormSchemaError) as exc:
        parse_form(_broken("""
            - {key: weight, type: number, label: Weight}
            - {key: bmi, type: computed, compute: bmi, weight: weight, height: size, label: BMI}
        """))
    assert exc.value.field == "bmi"
    assert "size" in str(exc.value)


def test_computed_field_reading_a_field_of_the_wrong_type_is_refused():
    with pytest.raises(FormSchemaError) as exc:
        parse_form(_broken("""
            - {key: lmp, type: text, label: LMP}
            - {key: term, type: computed, compute: due_date, lmp: lmp, label: Term}
        """))
    assert exc.value.field == "term" and "date" in str(exc.value)


def test_duplicate_keys_are_refused_naming_the_field():
    with pytest.raises(FormSchemaError) as exc:
        parse_form(_broken("""
            - {key: weight, type: number, label: Weight}
            - {key: weight, type: text, label: Again}
        """))
    assert exc.value.field == "weight"


@pytest.mark.parametrize("source,fragment", [
    ("key: x\ntitle: X\nfields: [", "YAML"),
    ("- just a list", "mapping"),
    (_broken("- {key: c, type: choice, label: C}"), "options"),
    (_broken("- {key: n, type: number, label: N, min: 10, max: 2}"), "min"),
    (_broken("- {key: n, type: number, label: N}") + "\nlayout: [[n, ghost]]", "ghost"),
    (_broken("- {key: z, type: computed, compute: zscore, measure: z, indicator: wfa, label: Z}"), "z"),
    (_broken("- {key: n, type: number, label: N, colour: red}"), "colour"),
])
def test_other_faults_are_explained(source, fragment):
    with pytest.raises(FormSchemaError) as exc:
        parse_form(source)
    assert fragment in str(exc.value)


@pytest.mark.django_db
def test_an_invalid_file_saves_nothing(dr_alice):
    with pytest.raises(FormSchemaError):
        services.form_definition_save(source=_broken("- {key: a, type: nope, label: A}"), actor=dr_alice)
    assert FormDefinition.objects.count() == 0 and FormVersion.objects.count() == 0


def test_computed_fields_bmi_gestational_age_due_date_and_age():
    schema = parse_form(GOOD)

    class P:
        birth_date = datetime.date(1990, 6, 15)
        sex = "F"

    on = datetime.date(2025, 6, 14)
    values = formschema.compute_values(schema, {"weight": 70.0, "height": 175.0, "lmp": datetime.date(2025, 3, 1)},
                                       patient=P, on=on)
    assert values["bmi"] == 22.9
    assert values["ga"] == (on - datetime.date(2025, 3, 1)).days == 105
    assert formschema.format_gestational_age(values["ga"]) in ("15 WA + 0 d", "15 SA + 0 j")
    assert values["term"] == datetime.date(2025, 12, 6)  # LMP + 280 days
    assert values["age"] == 34  # the day before the 35th birthday


def test_the_shipped_forms_are_valid():
    from intramuros.clinical.services import SHIPPED_FORMS

    keys = {parse_form(p.read_text())["key"] for p in SHIPPED_FORMS.glob("*.yaml")}
    assert keys == {"adult_checkup", "child_checkup", "pregnancy_followup", "paediatric_growth"}
