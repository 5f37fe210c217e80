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


def test_postgresql_restore_keeps_the_audit_log_verifiable(dr_alice, destinations, practice_identity, settings,
                                                           tmp_path, monkeypatch):
    from intramuros import audit
    from intramuros.audit.services import anchor_now, audit_verify, read_anchor_file
    from intramuros.backup import services, snapshot

    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchors.log")  # this test's own, not the process's
    audit.record(actor=dr_alice, action="test.thing.viewed")
    anchor_now(reason="manual")
    real_copy = snapshot.copy_database

    def copy_while_the_practice_works(work):
        copy = real_copy(work)
        for _ in range(3):
            audit.record(actor=dr_alice, action="test.thing.viewed")
        anchor_now(reason="manual")  # after the database copy, before the archive reads the anchor file
        return copy

    monkeypatch.setattr(snapshot, "copy_database", copy_while_the_practice_works)
    result = services.backup_create(destinations=destinations[:1])
    services.backup_restore(archive_path=result.written[destinations[0]], identity_files=[practice_identity],
                            force=True)
    report = audit_verify()
    assert report.ok and not report.warnings, (report.reason, report.warnings)
    assert report.anchors_checked >= 2  # the restored anchor, in the table and in the new file
    (kept,) = tmp_path.glob("audit-anchors.log.before-*")
    assert len(read_anchor_file(kept)) == 2  # the archive's copy: it names a row the restored log lacks
