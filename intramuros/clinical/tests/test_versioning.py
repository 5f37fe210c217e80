import datetime
import textwrap

import pytest
from django.utils import timezone, translation

from intramuros.clinical import selectors, services
from intramuros.clinical.models import FormValue

V1 = textwrap.dedent("""
    key: followup
    title: Follow-up
    fields:
      - {key: pain, type: number, label: Pain, unit: /10, min: 0, max: 10}
      - key: mood
        type: choice
        label: Mood
        options: [{value: good, label: Good}, {value: bad, label: Bad}]
      - {key: walks, type: yesno, label: Walks}
      - {key: seen, type: date, label: Seen on}
      - {key: tags, type: multichoice, label: Tags, options: [a, b, c]}
""")
V2 = textwrap.dedent("""
    key: followup
    title: Follow-up (2)
    fields:
      - {key: pain_score, type: text, label: Pain description}
""")


@pytest.mark.django_db
def test_editing_a_form_creates_a_new_version_and_an_unchanged_one_does_not(dr_alice):
    v1 = services.form_definition_save(source=V1, actor=dr_alice)
    same = services.form_definition_save(source=V1, actor=dr_alice, definition=v1.definition)
    v2 = services.form_definition_save(source=V2, actor=dr_alice, definition=v1.definition)
    assert (v1.number, same.pk, v2.number) == (1, v1.pk, 2)
    assert v1.definition.current_version == v2


@pytest.mark.django_db
def test_values_are_stored_typed_and_read_with_the_version_they_were_entered_with(dr_alice, jeanne_martin):
    v1 = services.form_definition_save(source=V1, actor=dr_alice)
    c = services.consultation_create(
        patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice, data={"at": timezone.now()},
        form_version=v1, form_values={"pain": 4.0, "mood": "bad", "walks": True,
                                      "seen": datetime.date(2025, 1, 2), "tags": ["a", "c"]})
    row = FormValue.objects.get(consultation=c, key="pain")
    assert (row.value_number, row.version_id) == (4.0, v1.pk)
    assert FormValue.objects.get(consultation=c, key="walks").value_bool is True
    assert FormValue.objects.get(consultation=c, key="seen").value_date == datetime.date(2025, 1, 2)
    assert FormValue.objects.get(consultation=c, key="tags").value_json == ["a", "c"]

    services.form_definition_save(source=V2, actor=dr_alice, definition=v1.definition)  # the form changes
    c.refresh_from_db()
    with translation.override("en"):
        shown = {cell["key"]: cell["value"] for row in selectors.form_display_of(c) for cell in row}
    assert shown == {"pain": "4.0 /10", "mood": "Bad", "walks": "yes", "seen": "02/01/2025", "tags": "a, c"}


@pytest.mark.django_db
def test_editing_a_consultation_keeps_its_form_version_and_the_history_of_values(dr_alice, jeanne_martin):
    v1 = services.form_definition_save(source=V1, actor=dr_alice)
    c = services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                     data={"at": timezone.now()}, form_version=v1, form_values={"pain": 7.0})
    services.form_definition_save(source=V2, actor=dr_alice, definition=v1.definition)
    services.consultation_update(consultation=c, actor=dr_alice, data={"reason": "again"},
                                 form_values={"pain": 3.0})
    c.refresh_from_db()
    assert c.form_version_id == v1.pk
    assert selectors.form_values_of(c) == {"pain": 3.0}
    old = [h.value_number for h in FormValue.history.filter(consultation_id=c.pk, key="pain").order_by("history_id")]
    assert old == [7.0, 3.0]


@pytest.mark.django_db
def test_a_cleared_value_is_flagged_deleted_not_erased(dr_alice, jeanne_martin):
    v1 = services.form_definition_save(source=V1, actor=dr_alice)
    c = services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                     data={"at": timezone.now()}, form_version=v1, form_values={"pain": 7.0})
    services.consultation_update(consultation=c, actor=dr_alice, data={}, form_values={})
    assert selectors.form_values_of(c) == {}
    assert FormValue.all_objects.get(consultation=c, key="pain").value_number == 7.0


@pytest.mark.django_db
def test_the_key_of_a_form_cannot_change(dr_alice):
    from intramuros.clinical.formschema import FormSchemaError

    v1 = services.form_definition_save(source=V1, actor=dr_alice)
    with pytest.raises(FormSchemaError):
        services.form_definition_save(source=V2.replace("key: followup", "key: other"), actor=dr_alice,
                                      definition=v1.definition)
