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
