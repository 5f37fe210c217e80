"""`intramuros upgrade` backs up first and puts the data back by itself when a migration fails."""

import pytest
from django.db import connection

from intramuros.backup.tests.cli import env_for, open_db, run
from intramuros.core.db.sqlcipher import pageformat

# Runs in a child process on a real data directory: the migration is replaced by one that damages the data
# half-way, then fails, as a broken migration would.
FAILING_UPGRADE = """
from unittest import mock
from django.db import connection
import intramuros.core.database as database
from intramuros.backup import services

def broken_migration():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE patients_patient SET birth_name = 'DAMAGED'")
        cursor.execute("CREATE TABLE upgrade_leftover (id integer)")
    connection.commit() if not connection.get_autocommit() else None
    raise RuntimeError("column clinical_note.body already exists")

with mock.patch.object(database, "pending_migrations", return_value=["clinical.0042_broken"]):
    try:
        services.upgrade_run(migrate=broken_migration)
    except services.UpgradeFailed as exc:
        print("UPGRADE FAILED:", exc)
"""


PATIENTS = """
from intramuros.testing.personas import make_patient
for i in range(8):
    make_patient(birth_name=f"Patient{i}", nir="")
"""


@pytest.fixture(scope="module")
def practice(tmp_path_factory, initialised_data_dir):
    if connection.vendor != "sqlite":
        pytest.skip("reads the embedded database file directly")
    data = tmp_path_factory.mktemp("upgrade") / "practice"
    initialised_data_dir(data, env_for(data))
    run(data, "shell", "-c", PATIENTS)
    return data


def _state(data):
    conn = open_db(data)
    try:
        names = sorted(r[0] for r in conn.execute("SELECT birth_name FROM patients_patient"))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return names, tables, conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_failed_migration_is_rolled_back_from_the_backup(practice):
    names, tables, _ = _state(practice)
    assert len(names) == 8
    result = run(practice, "shell", "-c", FAILING_UPGRADE)
    assert "UPGRADE FAILED" in result.stdout and "restored as it was before the upgrade" in result.stdout
    after_names, after_tables, integrity = _state(practice)
    assert integrity == "ok"
    assert after_names == names and "DAMAGED" not in after_names
    assert "upgrade_leftover" not in after_tables and after_tables == tables
    archives = list((practice / "backups" / "before-upgrade").glob("*.backup.age"))
    assert len(archives) == 1
    assert "healthy" in run(practice, "check").stdout


def test_upgrade_with_nothing_to_do_says_so(practice):
    # (after the rollback above: the restored practice is complete and up to date)
    assert "up to date" in run(practice, "upgrade").stdout


def _back_to_the_older_format(data):
    """The practice's file rewritten as SQLCipher's defaults made it before 2026-11-29 (HMAC-SHA512)."""
    path, key = data / "intramuros.db", (data / "keys" / "db.key").read_text().strip()
    older = path.with_name("older.db")
    conn, _ = pageformat.connect(key, database=str(path), isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS older KEY ?", [str(older), f"x'{key}'"])
        conn.execute(f"PRAGMA older.cipher_hmac_algorithm = {pageformat.LEGACY}")
        conn.execute("SELECT sqlcipher_export('older')")
        conn.execute("DETACH DATABASE older")
    finally:
        conn.close()
    older.replace(path)
    assert pageformat.format_of(path, key) == pageformat.LEGACY
    return path, key


def test_upgrade_converts_a_database_file_of_the_older_format(practice):
    path, key = _back_to_the_older_format(practice)
    before = _state(practice)
    check = run(practice, "check").stdout  # the older format still serves meanwhile
    assert "healthy" in check and "older, slower format: run `intramuros upgrade`" in check
    result = run(practice, "upgrade")
    assert "To do: the database file to convert to a faster format; backing up first" in result.stdout
    assert "Upgraded: the database file converted" in result.stdout
    assert pageformat.format_of(path, key) == pageformat.CURRENT
    assert _state(practice) == before and before[2] == "ok"
    assert len(list((practice / "backups" / "before-upgrade").glob("*.backup.age"))) == 2
    conn = open_db(practice)
    try:
        assert conn.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'backup.upgrade.converted'"
                            ).fetchone() == (1,)
    finally:
        conn.close()
    check = run(practice, "check").stdout
    assert "healthy" in check and "older" not in check
    assert "up to date" in run(practice, "upgrade").stdout


CONVERT_AND_MIGRATE = """
from unittest import mock
from django.db import connection
import intramuros.core.database as database
from intramuros.backup import services

def migration():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE upgrade_added (id integer)")

with mock.patch.object(database, "pending_migrations", return_value=["clinical.0042_added"]):
    print(services.upgrade_run(migrate=migration))
"""


def test_upgrade_converts_then_migrates(practice):
    path, key = _back_to_the_older_format(practice)
    result = run(practice, "shell", "-c", CONVERT_AND_MIGRATE).stdout
    assert "To do: 1 migration(s) to apply, the database file to convert to a faster format" in result
    assert "Database file converted; migrating ..." in result
    assert "Upgraded: 1 migration(s) applied, the database file converted." in result
    assert pageformat.format_of(path, key) == pageformat.CURRENT
    names, tables, integrity = _state(practice)
    assert "upgrade_added" in tables and integrity == "ok" and len(names) == 8
