"""The patients' names on the agenda's grids: read from patients.namecache on the embedded database, joined on
PostgreSQL; either way a patient changed behind the grid shows as changed on the next page."""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intramuros.agenda import selectors, services
from intramuros.agenda.tests.conftest import TUESDAY, at
from intramuros.patients.models import Patient

pytestmark = pytest.mark.django_db
embedded_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the names are kept on the embedded database")


def _week(*calendars):
    return selectors.appointment_rows(calendar_ids=[calendar.pk for calendar in calendars], start=at(TUESDAY, 0),
                                      end=at(TUESDAY + datetime.timedelta(days=1), 0))


@pytest.fixture
def booked(dr_alice, alice_cal, jeanne_martin, paul_durand, consult):
    for hour, patient in ((9, jeanne_martin), (10, paul_durand)):
        services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=patient, start=at(TUESDAY, hour),
                                  type=consult)
    return alice_cal


def test_each_row_names_its_patient(booked):
    assert [(row.start.hour, row.patient, row.type_name) for row in _week(booked)] == [
        (9, "MARTIN Jeanne", "Consultation"), (10, "DURAND Paul Émile", "Consultation")]


def test_an_appointment_shows_once_on_its_calendar_and_on_its_resource(booked, charlie_cal, paul_durand):
    from intramuros.agenda.models import Calendar

    echo = Calendar.objects.create(kind="equipment", name="Échographe")
    services.appointment_book(actor=booked.practitioner, calendar=booked, patient=paul_durand,
                              start=at(TUESDAY, 11), duration_minutes=30, resource=echo)
    assert [(row.start.hour, row.resource_id) for row in _week(echo)] == [(11, echo.pk)]
    assert [row.start.hour for row in _week(booked, echo)] == [9, 10, 11]  # not twice
    assert _week(charlie_cal) == []


def test_a_patient_renamed_or_deleted_behind_the_grid_shows_so_at_once(booked, jeanne_martin):
    assert _week(booked)[0].patient == "MARTIN Jeanne"  # names now kept
    # Written without save(), as an import could write it; the update time left as it was.
    Patient.objects.filter(pk=jeanne_martin.pk).update(used_name="Lefort", updated_at=F("updated_at"))
    assert _week(booked)[0].patient == "LEFORT Jeanne"
    # A deleted patient's appointments stay on the grid (kept for the record), with the name.
    Patient.objects.filter(pk=jeanne_martin.pk).update(deleted_at=timezone.now())
    assert [row.patient for row in _week(booked)] == ["LEFORT Jeanne", "DURAND Paul Émile"]


@embedded_only
def test_the_patients_rows_are_not_read_again_while_none_changed(booked, jeanne_martin, paul_durand):
    first = _week(booked)
    with CaptureQueriesContext(connection) as queries:
        again = _week(booked)
    assert again == first
    reads = [q["sql"] for q in queries if '"patients_patient"' in q["sql"]]
    assert reads == [], "the patients' names were read again though none changed"


@embedded_only
def test_only_the_patients_not_kept_yet_are_read(booked, jeanne_martin, paul_durand):
    from intramuros.patients import namecache

    namecache.names_of([jeanne_martin.pk])
    with CaptureQueriesContext(connection) as queries:
        kept = namecache.names_of([jeanne_martin.pk, paul_durand.pk, 10**9])
    assert set(kept) == {jeanne_martin.pk, paul_durand.pk}  # an id with no row is left out
    reads = [q for q in queries if '"patients_patient"' in q["sql"]]
    assert len(reads) == 1
    asked = {int(pk) for pk in reads[0]["sql"].rsplit(" IN (", 1)[1].rstrip(")").split(",")}
    assert asked == {paul_durand.pk, 10**9}


@embedded_only
def test_the_kept_names_are_bounded(booked, jeanne_martin, paul_durand, monkeypatch):
    from intramuros.patients import namecache

    monkeypatch.setattr(namecache, "MAX_KEPT", 1)
    namecache.names_of([jeanne_martin.pk, paul_durand.pk])  # two kept: over the bound
    with CaptureQueriesContext(connection) as queries:
        namecache.names_of([jeanne_martin.pk])
    assert any('"patients_patient"' in q["sql"] for q in queries), "over the bound, the names are read afresh"


@embedded_only
def test_the_calendars_appointments_are_read_from_the_covering_index(alice_cal):
    from intramuros.agenda import gridsql

    sql = gridsql.rows_sql(connection.alias, 1, names=False)
    params = gridsql.rows_params(connection, [alice_cal.pk], at(TUESDAY, 0), at(TUESDAY, 23))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX agenda_appt_grid_cover" in plan, plan
