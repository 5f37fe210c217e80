"""Backups are written everywhere at once, restore-tested, and fail without touching what exists."""

import errno
import os

import pytest

from intramuros.backup import archive, services
from intramuros.backup.models import BackupRun

# The copy is taken by another connection (here: outside the test's transaction), so the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stored_documents(db):
    from intramuros.documents.storage import store_bytes

    return [store_bytes(os.urandom(20_000 + i), kind="upload", original_name=f"scan{i}.bin") for i in range(3)]


def _archives(directory):
    return sorted(p for p in directory.iterdir() if p.name.endswith(archive.ARCHIVE_SUFFIX))


def test_backup_goes_to_every_destination_and_is_restore_tested(db, jeanne_martin, stored_documents,
                                                                destinations, passphrase_file):
    result = services.backup_create(destinations=destinations)
    assert set(result.written) == set(destinations)
    runs = BackupRun.objects.filter(archive_name=result.name)
    assert runs.count() == 2 and all(r.is_verified and r.size_bytes > 0 for r in runs)
    manifest = result.manifest
    assert manifest["database"]["tables"]["patients_patient"] == 1
    assert manifest["documents"]["count"] == 3
    assert {d["sha256"] for d in manifest["documents"]["files"].values()} == {
        __import__("hashlib").sha256(open(services.paths.documents_dir() / s.path, "rb").read()).hexdigest()
        for s in stored_documents}
    # The passphrase alone opens it (a new machine has no machine key).
    report = services.backup_verify(archive_path=_archives(destinations[0])[0], passphrase_file=passphrase_file)
    assert report.ok, report.problems
    assert not list(destinations[0].glob(".*.tmp"))


def test_practice_key_opens_the_archive_and_the_db_key_stays_out(db, jeanne_martin, destinations,
                                                                 practice_identity, tmp_path):
    result = services.backup_create(destinations=destinations[:1])
    path = result.written[destinations[0]]
    report = services.backup_verify(archive_path=path, identity_files=[practice_identity])
    assert report.ok and report.manifest["keys"] == {"files_key": True, "db_key": False}
    db_key = services.read_key_file(services.paths.db_key_file()).encode()
    from intramuros.backup import reader

    unpacked = reader.unpack(path, tmp_path / "x", identities=services.crypto.read_identity_file(practice_identity),
                             passphrase=None, keep_documents=False)
    assert unpacked.db_key is None
    (copy,) = (tmp_path / "x" / "database").iterdir()  # intramuros.db, or intramuros.pgdump on PostgreSQL
    assert db_key not in copy.read_bytes()


def test_no_backup_key_set_is_refused_in_one_sentence(db, destinations, monkeypatch):
    monkeypatch.delenv("INTRAMUROS_BACKUP_RECIPIENT", raising=False)
    monkeypatch.delenv("INTRAMUROS_BACKUP_PASSPHRASE_FILE", raising=False)
    with pytest.raises(services.BackupError, match="No backup key is set"):
        services.backup_create(destinations=destinations)
    assert not any(any(d.iterdir()) for d in destinations)


def test_wrong_key_and_damaged_archive_are_named(db, jeanne_martin, destinations, passphrase_file, tmp_path):
    path = services.backup_create(destinations=destinations[:1]).written[destinations[0]]
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all")
    with pytest.raises(services.BackupError, match="passphrase does not open"):
        services.backup_verify(archive_path=path, passphrase_file=wrong)
    damaged = tmp_path / "damaged.backup.age"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    damaged.write_bytes(bytes(blob))
    report = services.backup_verify(archive_path=damaged)
    assert not report.ok and "damaged" in report.problems[0]


class _FillsUp:
    """A file object on a disk that is full after `room` bytes."""

    def __init__(self, handle, room):
        self.handle, self.room = handle, room

    def write(self, data):
        self.room -= len(data)
        if self.room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.handle.write(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)


def _snapshot_live():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM patients_patient")
        patients = cursor.fetchone()[0]
    docs = {p: p.read_bytes() for p in services.paths.documents_dir().rglob("*") if p.is_file()}
    return patients, docs


def test_full_disk_drops_that_destination_and_keeps_its_earlier_backups(db, jeanne_martin, stored_documents,
                                                                       destinations, practice_identity, monkeypatch):
    usb, nas = destinations
    earlier = services.backup_create(destinations=[usb]).written[usb]
    earlier_bytes = earlier.read_bytes()
    live_before = _snapshot_live()
    real_fdopen = os.fdopen

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        return _FillsUp(handle, 30_000) if str(usb) in os.readlink(f"/proc/self/fd/{fd}") else handle

    monkeypatch.setattr(archive.os, "fdopen", fdopen)
    result = services.backup_create(destinations=[usb, nas])
    assert list(result.written) == [nas]
    assert "is full" in result.failures[usb]
    assert _archives(usb) == [earlier] and earlier.read_bytes() == earlier_bytes
    assert not list(usb.glob(".*.tmp"))
    failed = BackupRun.objects.get(archive_name=result.name, destination=str(usb))
    assert not failed.written and "full" in failed.message
    assert _snapshot_live() == live_before


def test_every_destination_full_fails_with_a_sentence_and_touches_nothing(db, jeanne_martin, destinations,
                                                                          practice_identity, monkeypatch):
    usb = destinations[0]
    earlier = services.backup_create(destinations=[usb]).written[usb]
    live_before = _snapshot_live()
    real_fdopen = os.fdopen
    monkeypatch.setattr(archive.os, "fdopen", lambda fd, *a, **k: _FillsUp(real_fdopen(fd, *a, **k), 10_000))
    with pytest.raises(services.BackupError, match="is full.*Earlier backups were not touched"):
        services.backup_create(destinations=[usb])
    assert _archives(usb) == [earlier]
    assert not list(usb.glob(".*.tmp"))
    assert _snapshot_live() == live_before


def test_destination_that_disappears_mid_write_is_reported(db, jeanne_martin, stored_documents, destinations,
                                                           practice_identity, monkeypatch, tmp_path):
    import shutil

    usb, nas = destinations
    real_fdopen = os.fdopen

    class Unplugged(_FillsUp):
        def write(self, data):
            self.room -= len(data)
            if self.room < 0 and usb.exists():
                shutil.rmtree(usb)  # the disk goes away; the open file survives until the rename
            return self.handle.write(data)

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        return Unplugged(handle, 20_000) if str(usb) in os.readlink(f"/proc/self/fd/{fd}") else handle

    monkeypatch.setattr(archive.os, "fdopen", fdopen)
    result = services.backup_create(destinations=[usb, nas])
    assert list(result.written) == [nas] and "not reachable" in result.failures[usb]
    assert BackupRun.objects.get(archive_name=result.name, destination=str(nas)).is_verified


def test_missing_destination_is_refused_before_anything_is_written(db, practice_identity, tmp_path):
    with pytest.raises(services.BackupError, match="not reachable"):
        services.backup_create(destinations=[tmp_path / "unplugged"])
    assert BackupRun.objects.filter(written=False).count() == 1


def test_database_key_goes_in_only_when_asked(db, jeanne_martin, destinations, practice_identity, tmp_path):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has no database key of ours")
    from intramuros.backup import reader

    result = services.backup_create(destinations=destinations[:1], include_db_key=True)
    assert result.manifest["keys"]["db_key"] is True
    unpacked = reader.unpack(result.written[destinations[0]], tmp_path / "x",
                             identities=services.crypto.read_identity_file(practice_identity), passphrase=None,
                             keep_documents=False)
    assert unpacked.db_key == services.read_key_file(services.paths.db_key_file())
    assert reader.check(unpacked) == []
