"""A filled practice, backed up and restored on a fresh data directory, comes back identical."""

import re
import shutil

import pytest
from django.db import connection

from intramuros.backup.tests.cli import env_for, open_db, run

STORE_DOCUMENTS = """
import os
from intramuros.documents.storage import store_bytes
for i in range(12):
    store_bytes(os.urandom(30_000 + 997 * i), kind="upload", original_name=f"scan-{i}.bin")
"""
READ_DOCUMENTS = """
from intramuros.documents.models import StoredFile
from intramuros.documents.storage import read_bytes
files = list(StoredFile.objects.all())
print(f"read {sum(len(read_bytes(s)) == s.size for s in files)} of {len(files)}")
"""


@pytest.fixture(scope="module")
def practice(tmp_path_factory, initialised_data_dir):
    if connection.vendor != "sqlite":
        pytest.skip("compares the embedded database files directly; PostgreSQL goes through pg_dump")
    base = tmp_path_factory.mktemp("roundtrip")
    data, usb = base / "first", base / "usb"
    usb.mkdir()
    passphrase = base / "passphrase.txt"
    passphrase.write_text("the practice's long backup passphrase\n")
    passphrase.chmod(0o600)
    initialised_data_dir(data, env_for(data))
    run(data, "demo", "--patients", "50", check=False)  # the demo prints its logins after loading
    run(data, "shell", "-c", STORE_DOCUMENTS)
    run(data, "audit", "anchor")  # an anchor line in audit-anchors.log, which the archive carries
    # The state at backup time: the backup itself appends its own rows (runs, audit) afterwards.
    before = base / "before"
    before.mkdir()
    for name in ("intramuros.db", "intramuros.db-wal"):
        if (data / name).exists():
            shutil.copy2(data / name, before / name)
    shutil.copytree(data / "keys", before / "keys")
    result = run(data, "backup", "--to", usb, "--no-progress", INTRAMUROS_BACKUP_PASSPHRASE_FILE=passphrase)
    assert "restored and verified" in result.stdout
    (archive,) = usb.glob("*.backup.age")
    return {"data": data, "before": before, "archive": archive, "passphrase": passphrase, "base": base}


def _rows(conn, table):
    return sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


def _tables(conn):
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                       "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def test_restore_on_a_new_machine_brings_back_every_row_and_document(practice):
    new = practice["base"] / "new-machine"
    result = run(new, "restore", practice["archive"], "--passphrase-file", practice["passphrase"])
    assert "a new database key" in result.stdout
    source, restored = open_db(practice["before"]), open_db(new)
    try:
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert _tables(source) == _tables(restored)
        patients = restored.execute("SELECT count(*) FROM patients_patient").fetchone()[0]
        assert patients >= 50
        for table in _tables(source):
            theirs = _rows(restored, table)
            if table == "audit_auditevent":  # the restore records itself in the restored practice's log
                theirs = [r for r in theirs if not {"backup.archive.restored", "audit.anchors.reset"} & set(r)]
            if table == "audit_auditanchor":  # ... and those rows may fall on a periodic anchor
                theirs = [r for r in theirs if r in _rows(source, table)]
            assert _rows(source, table) == theirs, f"table {table} differs"
    finally:
        source.close()
        restored.close()
    old_docs = {p.relative_to(practice["data"] / "documents"): p.read_bytes()
                for p in (practice["data"] / "documents").rglob("*") if p.is_file()}
    new_docs = {p.relative_to(new / "documents"): p.read_bytes() for p in (new / "documents").rglob("*") if p.is_file()}
    assert len(old_docs) >= 12 and old_docs == new_docs
    assert (new / "keys" / "db.key").read_text() != (practice["data"] / "keys" / "db.key").read_text()
    read = re.search(r"read (\d+) of (\d+)", run(new, "shell", "-c", READ_DOCUMENTS).stdout)
    assert read and read.group(1) == read.group(2) and int(read.group(1)) >= 12  # they decrypt with the restored key
    assert "healthy" in run(new, "check").stdout


def test_restore_refuses_a_data_directory_in_use_without_force(practice):
    before = (practice["data"] / "intramuros.db").read_bytes()
    result = run(practice["data"], "restore", practice["archive"], "--passphrase-file", practice["passphrase"],
                 check=False)
    assert result.returncode != 0 and "is not empty" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.stderr
    assert (practice["data"] / "intramuros.db").read_bytes() == before


def test_wrong_passphrase_or_damaged_archive_change_nothing(practice):
    target = practice["base"] / "wrong"
    wrong = practice["base"] / "wrong.txt"
    wrong.write_text("this is not the passphrase\n")
    result = run(target, "restore", practice["archive"], "--passphrase-file", wrong, check=False)
    assert result.returncode != 0 and "passphrase does not open this backup" in result.stderr
    damaged = practice["base"] / "damaged.backup.age"
    blob = bytearray(practice["archive"].read_bytes())
    blob[len(blob) // 3] ^= 0x55
    damaged.write_bytes(bytes(blob))
    result = run(target, "restore", damaged, "--passphrase-file", practice["passphrase"], check=False)
    assert result.returncode != 0 and "damaged" in result.stderr and "Nothing was changed" in result.stderr
    assert not (target / "intramuros.db").exists()
    result = run(practice["data"], "backup", "verify", damaged, check=False)
    assert result.returncode != 0 and "is NOT good" in result.stderr


def test_verify_command_vouches_for_a_good_archive(practice):
    result = run(practice["data"], "backup", "verify", practice["archive"], "--passphrase-file",
                 practice["passphrase"])
    assert "is good" in result.stdout and "database integrity ok" in result.stdout


def test_restore_brings_the_anchor_file_back_and_the_log_verifies(practice):
    archived_anchors = (practice["data"] / "audit-anchors.log").read_text()
    assert archived_anchors.strip()
    new = practice["base"] / "anchors-new-machine"
    run(new, "restore", practice["archive"], "--passphrase-file", practice["passphrase"])
    kept = list(new.glob("audit-anchors.log.before-*"))
    assert len(kept) == 1 and kept[0].read_text() == archived_anchors  # the archive's file, set aside
    assert (new / "audit-anchors.log").read_text().strip()  # a new one, from the restored log's anchors
    verified = run(new, "audit", "verify")
    assert verified.returncode == 0 and "anchor(s) match" in verified.stdout and "Warning" not in verified.stderr


def test_restoring_an_older_backup_over_the_practice_keeps_the_audit_verifiable(practice):
    """The real case: the log went on after the backup (more rows, more anchors), then the backup is restored."""
    later = practice["base"] / "went-on"
    shutil.copytree(practice["data"], later)
    run(later, "shell", "-c", "from intramuros import audit\n"
                              "for i in range(20): audit.record(actor=None, action='test.thing.viewed')")
    run(later, "audit", "anchor")
    run(later, "restore", practice["archive"], "--passphrase-file", practice["passphrase"], "--force")
    aside = list(later.glob("before-restore-*/audit-anchors.log"))
    assert len(aside) == 1 and aside[0].read_text().count("\n") >= 2  # the file of the log as it went on
    result = run(later, "audit", "verify", check=False)
    assert result.returncode == 0, result.stderr
