"""Prepared statements give exactly what the queryset they are declared with gives, for any values."""

import datetime

import pytest
from django.db.models import Q
from django.utils import timezone

from intramuros.core.prepared import Prepared

pytestmark = pytest.mark.django_db


@pytest.fixture
def treatments(jeanne_martin, paul_durand, dr_alice, dr_charlie):
    from intramuros.clinical.models import Treatment

    today = datetime.date(2026, 3, 10)
    rows = [
        (jeanne_martin, dr_alice, "Amlodipine", today - datetime.timedelta(days=400), None),
        (jeanne_martin, dr_charlie, "Amoxicilline", today - datetime.timedelta(days=5), today + datetime.timedelta(days=2)),
        (jeanne_martin, dr_alice, "Prednisolone", today - datetime.timedelta(days=60), today - datetime.timedelta(days=50)),
        (paul_durand, dr_charlie, "Metformine", today - datetime.timedelta(days=900), None),
    ]
    for patient, prescriber, drug, start, end in rows:
        Treatment.objects.create(patient=patient, created_by=prescriber, prescriber=prescriber, drug=drug,
                                 start=start, end=end)
    return today


def _current(patient_id, on):
    from intramuros.clinical.models import Treatment

    return (Treatment.objects.filter(patient_id=patient_id, start__lte=on)
            .filter(Q(end__isnull=True) | Q(end__gte=on)).select_related("prescriber").order_by("drug"))


def test_same_rows_as_the_queryset_for_every_value(treatments, jeanne_martin, paul_durand,
                                                   django_assert_num_queries):
    statement = Prepared(_current)
    for patient in (jeanne_martin, paul_durand):
        for days in (-1000, -55, 0, 1, 3, 500):
            on = treatments + datetime.timedelta(days=days)
            expected = list(_current(patient.pk, on))
            with django_assert_num_queries(1):  # the prescriber comes with the row (select_related)
                got = statement.list(patient_id=patient.pk, on=on)
                assert [(t.pk, t.drug, t.start, t.end, t.prescriber.username) for t in got] == \
                    [(t.pk, t.drug, t.start, t.end, t.prescriber.username) for t in expected]
    assert statement.list(patient_id=jeanne_martin.pk, on=treatments)  # not vacuous: rows were compared


def test_values_lists_datetimes_and_first(jeanne_martin, dr_alice):
    from intramuros.clinical.models import Consultation

    now = timezone.now()
    for days in (1, 10, 100):
        Consultation.objects.create(patient=jeanne_martin, practitioner=dr_alice,
                                    at=now - datetime.timedelta(days=days), reason=f"r{days}")
    since = Prepared(lambda patient_id, after: Consultation.objects.filter(
        patient_id=patient_id, at__gte=after).order_by("at").values_list("reason", "at"))
    rows = since.list(patient_id=jeanne_martin.pk, after=now - datetime.timedelta(days=50))
    assert [r[0] for r in rows] == ["r10", "r1"] and all(isinstance(r[1], datetime.datetime) for r in rows)
    reasons = Prepared(lambda patient_id: Consultation.objects.filter(patient_id=patient_id)
                       .order_by("-at").values_list("reason", flat=True)[:1])
    assert reasons.first(patient_id=jeanne_martin.pk) == "r1"
    assert reasons.first(patient_id=jeanne_martin.pk + 1000) is None


def test_a_transformed_or_unsupported_parameter_is_refused_in_words(jeanne_martin):
    from intramuros.patients.models import Patient

    with pytest.raises(TypeError, match="transformed by its lookup"):
        Prepared(lambda name: Patient.objects.filter(birth_name__startswith=name)).list(name="MAR")
    with pytest.raises(TypeError, match="booleans"):
        Prepared(lambda flag: Patient.objects.filter(pk__gt=0, used_name__isnull=flag)).list(flag=True)
    with pytest.raises(TypeError, match="plain querysets"):
        Prepared(lambda pk: Patient.objects.filter(pk=pk).values("pk")).list(pk=jeanne_martin.pk)


def test_a_prepared_insert_stores_what_save_stores(dr_alice, django_assert_num_queries):
    from django.contrib.sessions.models import Session

    from intramuros.audit.models import AuditEvent
    from intramuros.core.prepared import PreparedInsert

    def event(seq, actor):
        return AuditEvent(seq=seq, at=timezone.now(), actor=actor, actor_label="alice", action="test.prepared",
                          target_type="patients.patient", target_id="12", patient_id=None, ip="192.0.2.7",
                          session="abc", detail={"alerts": ["same_surname"], "n": 2, "é": "ü"}, flagged=True,
                          prev_hash="0" * 64, hash="1" * 64)

    statement = PreparedInsert(AuditEvent)
    first, second = event(900001, dr_alice), event(900002, None)
    for obj in (first, second):
        with django_assert_num_queries(1):
            statement.insert(obj)
        assert obj.pk and not obj._state.adding
    saved = event(900003, dr_alice)
    saved.save()
    columns = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname not in ("id", "seq", "at")]
    rows = {row["seq"]: row for row in AuditEvent.objects.filter(action="test.prepared").values("id", "seq", *columns)}
    assert rows[900001]["id"] == first.pk and rows[900002]["id"] == second.pk
    assert {c: rows[900001][c] for c in columns} == {c: rows[900003][c] for c in columns}
    assert rows[900002]["actor_id"] is None and rows[900002]["detail"] == {"alerts": ["same_surname"], "n": 2, "é": "ü"}
    with pytest.raises(TypeError, match="automatic key"):
        PreparedInsert(Session)
