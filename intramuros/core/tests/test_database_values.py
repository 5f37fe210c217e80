"""Datetimes come back from the database as they went in: aware, exact, NULL as None, computed ones too."""

import datetime

from django.db.models import Max, Min
from django.test import override_settings

from intramuros.patients.models import Patient


def test_datetimes_read_back_are_aware_and_exact(jeanne_martin):
    at = datetime.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    Patient.objects.filter(pk=jeanne_martin.pk).update(deleted_at=at)
    row = Patient.all_objects.get(pk=jeanne_martin.pk)
    assert row.deleted_at == at and row.deleted_at.utcoffset() == datetime.timedelta(0)
    assert row.created_at.tzinfo is not None

    Patient.all_objects.filter(pk=jeanne_martin.pk).update(deleted_at=None)
    assert Patient.all_objects.get(pk=jeanne_martin.pk).deleted_at is None


def test_computed_datetimes_are_aware_too(jeanne_martin):
    # SQLite hands an aggregate back as text, not as the column's type: it is parsed, then made aware.
    got = Patient.objects.aggregate(first=Min("created_at"), last=Max("updated_at"), none=Max("deleted_at"))
    assert got["first"] == Patient.objects.get(pk=jeanne_martin.pk).created_at
    assert got["first"].tzinfo is not None and got["last"].tzinfo is not None
    assert got["none"] is None


@override_settings(USE_TZ=False)
def test_without_time_zone_support_datetimes_stay_naive(jeanne_martin):
    assert Patient.objects.values_list("created_at", flat=True).get(pk=jeanne_martin.pk).tzinfo is None


def test_placeholders_are_converted_as_django_converts_them_and_kept():
    """The embedded backend keeps each query text's ?-form (core/db/sqlcipher/base.py): the same result as
    Django's conversion, a literal %% left as one %, and a text converted once."""
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    from intramuros.core.db.sqlcipher.base import _qmark

    queries = ['SELECT "a" FROM "t" WHERE "b" = %s AND "c" IN (%s, %s)',
               "SELECT 1 WHERE 'x' LIKE '10%%' AND %s", "SELECT '%%s' AS literal, %s"]
    for query in queries:
        assert _qmark(query) == SQLiteCursorWrapper.convert_query(None, query)
    assert _qmark(queries[1]) == "SELECT 1 WHERE 'x' LIKE '10%' AND ?"
    assert _qmark(queries[2]) == "SELECT '%s' AS literal, ?"
    hits = _qmark.cache_info().hits
    _qmark(queries[0])
    assert _qmark.cache_info().hits == hits + 1


def test_a_query_with_placeholders_runs_on_the_embedded_database(jeanne_martin):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT birth_name FROM patients_patient WHERE id = %s AND birth_name LIKE '%%'",
                       [jeanne_martin.pk])
        assert cursor.fetchone()[0] == jeanne_martin.birth_name
