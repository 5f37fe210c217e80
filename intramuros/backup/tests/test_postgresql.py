"""On PostgreSQL the backup goes through pg_dump (custom format) and comes back through pg_restore."""

import shutil

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (INTRAMUROS_DATABASE_URL)"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def test_postgresql_backup_verifies_and_restores_in_place(jeanne_martin, destinations, practice_identity):
    from intramuros.backup import services
    from intramuros.patients.models import Patient

    result = services.backup_create(destinations=destinations[:1])
    assert result.manifest["database"]["engine"] == "postgresql" and result.verified
    path = result.written[destinations[0]]
    Patient.objects.filter(pk=jeanne_martin.pk).update(birth_name="DAMAGED")
    report = services.backup_restore(archive_path=path, identity_files=[practice_identity], force=True)
    assert report.set_aside is not None
    assert Patient.objects.get(pk=jeanne_martin.pk).birth_name == "Martin"
