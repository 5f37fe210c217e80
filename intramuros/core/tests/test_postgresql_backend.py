"""PostgreSQL binds values on the server, where a statement carries at most 65,535 parameters."""

import datetime

import pytest
from django.db import connection

from intramuros.patients.models import Patient

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend")


def test_a_bulk_create_past_the_protocols_limit_is_cut_into_batches(db):
    from intramuros.core.db.postgresql.base import MAX_PARAMETERS

    columns = len([f for f in Patient._meta.concrete_fields if not f.primary_key])
    count = MAX_PARAMETERS // columns + 100  # one statement would carry more than MAX_PARAMETERS values
    Patient.objects.bulk_create(Patient(birth_name=f"Lot{i}", first_names="Anne", sex="F",
                                        birth_date=datetime.date(1980, 1, 1)) for i in range(count))
    assert Patient.objects.filter(birth_name__startswith="Lot").count() == count
