import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from intramuros.audit.models import AuditEvent
from intramuros.patients.models import Correspondent, Patient, PatientCorrespondent, PatientMerge
from intramuros.patients.selectors import patient_search
from intramuros.patients.services import (
    correspondent_link,
    patient_merge,
    patient_relations,
    patient_unmerge,
    patient_update,
)
from intramuros.testing.personas import make_patient


@pytest.fixture
def twin(db, jeanne_martin):
    """The same Jeanne, registered again by mistake with a typo."""
    return make_patient(birth_name="Martinn", first_names="Jeanne", nir="", phone_mobile="06 00 00 00 01")


@pytest.fixture
def doctors(db):
    return [Correspondent.objects.create(last_name=name, specialty="Cardiologie") for name in ("Roux", "Blanc")]


def _model(label):
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    return model if model._meta.db_table in connection.introspection.table_names() else None


def _other_app_records(patient, user):
    """Rows of other apps pointing to the patient (a task, an appointment), when those apps exist."""
    import datetime as dt

    from django.utils import timezone

    rows = []
    Task = _model("messaging.Task")
    if Task:
        rows.append(Task.objects.create(title=f"Call back {patient.pk}", patient=patient, assigned_to=user,
                                        created_by=user))
    Appointment, Calendar = _model("agenda.Appointment"), _model("agenda.Calendar")
    if Appointment and Calendar:
        calendar = Calendar.objects.filter(practitioner=user).first() or Calendar.objects.create(
            name="Dr", practitioner=user)
        start = timezone.now() + dt.timedelta(days=patient.pk)
        rows.append(Appointment.objects.create(calendar=calendar, patient=patient, start=start,
                                               end=start + dt.timedelta(minutes=15)))
    return rows


def test_relations_are_discovered_from_every_installed_app():
    found = {(model._meta.label, field) for model, field in patient_relations()}
    assert ("patients.PatientCorrespondent", "patient") in found
    # Historical tables and hidden relations (merge rows, merged_into) are never re-pointed.
    assert not any(label.split(".")[1].startswith("Historical") for label, _ in found)
    assert not any(label == "patients.PatientMerge" for label, _ in found)
    visible = {(rel.related_model._meta.label, rel.field.name) for rel in Patient._meta.related_objects
               if not rel.many_to_many}
    assert visible <= found


def test_merge_moves_every_record_and_unmerge_puts_them_back(dr_alice, jeanne_martin, twin, doctors):
    keep_link = correspondent_link(actor=dr_alice, patient=jeanne_martin, correspondent=doctors[0], role="specialist")
    twin_link = correspondent_link(actor=dr_alice, patient=twin, correspondent=doctors[1], role="treating")
    twin_tasks = _other_app_records(twin, dr_alice)
    keep_tasks = _other_app_records(jeanne_martin, dr_alice)
    patient_update(actor=dr_alice, patient=twin, city="Colmar")  # the absorbed file has its own history

    merge = patient_merge(actor=dr_alice, keep=jeanne_martin, absorb=twin, reason="same carte Vitale")

    twin.refresh_from_db()
    assert twin.is_deleted and twin.merged_into == jeanne_martin
    assert set(PatientCorrespondent.objects.filter(patient=jeanne_martin)) == {keep_link, twin_link}
    assert twin_tasks, "no other app's record was exercised"
    for task in twin_tasks + keep_tasks:
        task.refresh_from_db()
        assert task.patient_id == jeanne_martin.pk
    moved = {(label, pk, field) for label, pk, field in merge.moved}
    assert ("patients.PatientCorrespondent", str(twin_link.pk), "patient") in moved
    assert ("patients.PatientCorrespondent", str(keep_link.pk), "patient") not in moved
    assert len(merge.moved) == 1 + len(twin_tasks)
    assert [p.pk for p in patient_search(user=dr_alice, text="martinn")] == []
    assert AuditEvent.objects.filter(action="patients.patient.merged").count() == 2
    assert twin.history.count() >= 3  # created, updated, merged: nothing of its history is lost

    later_link = correspondent_link(actor=dr_alice, patient=jeanne_martin, correspondent=doctors[1],
                                    role="specialist")
    patient_unmerge(actor=dr_alice, merge=merge)

    twin.refresh_from_db()
    assert not twin.is_deleted and twin.merged_into is None
    twin_link.refresh_from_db()
    keep_link.refresh_from_db()
    later_link.refresh_from_db()
    assert twin_link.patient_id == twin.pk
    assert keep_link.patient_id == jeanne_martin.pk
    assert later_link.patient_id == jeanne_martin.pk  # added after the merge: stays on the kept file
    for task in twin_tasks:
        task.refresh_from_db()
        assert task.patient_id == twin.pk
    merge.refresh_from_db()
    assert merge.is_undone and merge.undone_by == dr_alice
    assert AuditEvent.objects.filter(action="patients.patient.unmerged").count() == 2
    with pytest.raises(ValidationError):
        patient_unmerge(actor=dr_alice, merge=merge)


def test_merge_refuses_nonsense(dr_alice, jeanne_martin, twin):
    with pytest.raises(ValidationError):
        patient_merge(actor=dr_alice, keep=jeanne_martin, absorb=jeanne_martin, reason="x")
    with pytest.raises(ValidationError):
        patient_merge(actor=dr_alice, keep=jeanne_martin, absorb=twin, reason="  ")
    twin.soft_delete(by=dr_alice)
    with pytest.raises(ValidationError):
        patient_merge(actor=dr_alice, keep=jeanne_martin, absorb=twin, reason="same")
    assert not PatientMerge.objects.exists()


def test_merge_pages_for_practitioner(alice_client, jeanne_martin, twin):
    page = alice_client.get(f"/patients/merge/?keep={jeanne_martin.pk}&absorb={twin.pk}")
    assert page.status_code == 200 and "MARTINN" in page.content.decode()
    response = alice_client.post(f"/patients/merge/?keep={jeanne_martin.pk}&absorb={twin.pk}",
                                 {"keep": jeanne_martin.pk, "absorb": twin.pk, "reason": "same person"})
    assert response.status_code == 302
    merge = PatientMerge.objects.get()
    history = alice_client.get("/patients/merges/")
    assert f'data-merge="{merge.pk}"' in history.content.decode()
    assert alice_client.post(f"/patients/merges/{merge.pk}/undo/").status_code == 302
    assert PatientMerge.objects.get().is_undone


def test_secretary_cannot_merge(bob_client, jeanne_martin, twin):
    assert bob_client.get("/patients/merge/").status_code == 403
    response = bob_client.post(f"/patients/merge/?keep={jeanne_martin.pk}&absorb={twin.pk}",
                               {"keep": jeanne_martin.pk, "absorb": twin.pk, "reason": "same person"})
    assert response.status_code == 403
    assert not PatientMerge.objects.exists()


def test_merge_of_a_patient_born_another_day_is_possible(dr_alice, jeanne_martin):
    other = make_patient(birth_name="Martin", first_names="Jeanne", birth_date=datetime.date(1975, 3, 15), nir="")
    merge = patient_merge(actor=dr_alice, keep=jeanne_martin, absorb=other, reason="wrong birth date")
    assert merge.moved == []
