"""`intramuros key rotate`: database and documents re-encrypted under new keys, surviving interruption."""

import secrets

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from intramuros.core import keyrotation, paths
from intramuros.core.keys import read_key_file, write_secret_file

pytestmark = pytest.mark.django_db


class Interrupted(Exception):
    pass


@pytest.fixture
def practice_dir(tmp_path, monkeypatch):
    """A separate data directory: keys, an encrypted database file and an encrypted document store."""
    keys = tmp_path / "keys"
    db_key, db_file = keys / "db.key", tmp_path / "intramuros.db"
    write_secret_file(db_key, secrets.token_hex(32) + "\n")
    write_secret_file(keys / "files.key", secrets.token_hex(32) + "\n")
    monkeypatch.setattr(paths, "db_key_file", lambda: db_key)
    monkeypatch.setattr(paths, "documents_dir", lambda: tmp_path / "documents")
    conn = sqlcipher.connect(str(db_file))
    conn.execute(f"PRAGMA key = \"x'{read_key_file(db_key)}'\"")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE note (body TEXT)")
    conn.executemany("INSERT INTO note VALUES (?)", [(f"note {i}",) for i in range(500)])
    conn.commit()
    conn.close()
    rotation = keyrotation.RotationPaths(db_key=db_key, files_key=keys / "files.key",
                                         documents=tmp_path / "documents", database=db_file)
    return rotation


def _store(n):
    from intramuros.documents.storage import store_bytes

    return [(store_bytes(f"scan {i} ".encode() * 100, kind="upload"), f"scan {i} ".encode() * 100)
            for i in range(n)]


def _db_count(rotation, key):
    conn = sqlcipher.connect(str(rotation.database))
    try:
        conn.execute(f"PRAGMA key = \"x'{key}'\"")
        return conn.execute("SELECT count(*) FROM note").fetchone()[0]
    finally:
        conn.close()


def test_rotation_interrupted_after_some_files_resumes_and_loses_nothing(practice_dir):
    from intramuros.documents.storage import read_bytes

    rotation = practice_dir
    stored = _store(6)
    old_db, old_files = read_key_file(rotation.db_key), read_key_file(rotation.files_key)
    done = []

    def crash_after_three(path, outcome):
        done.append(path)
        if len(done) == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        keyrotation.rotate_keys(rotation_paths=rotation, on_file=crash_after_three)
    # Mid-way: the old keys are still in force, the journal and the new keys wait beside them.
    assert rotation.state.exists()
    assert read_key_file(rotation.db_key) == old_db
    assert (rotation.db_key.parent / "db.key.new").exists()
    assert _db_count(rotation, old_db) == 500

    result = keyrotation.rotate_keys(rotation_paths=rotation)
    assert result.resumed and result.files_already_done == 3 and result.files_reencrypted == 3
    assert result.database == "done" and not result.files_unreadable
    new_db, new_files = read_key_file(rotation.db_key), read_key_file(rotation.files_key)
    assert new_db != old_db and new_files != old_files
    assert _db_count(rotation, new_db) == 500
    for row, content in stored:
        assert read_bytes(row) == content
    assert not rotation.state.exists() and not list(rotation.db_key.parent.glob("*.new"))
    retired = sorted(p.name for p in rotation.retired.iterdir())
    assert len(retired) == 2
    assert {read_key_file(p, what="x") for p in rotation.retired.iterdir()} == {old_db, old_files}


def test_rotation_interrupted_before_the_key_switch_resumes(practice_dir, monkeypatch):
    from intramuros.documents.storage import read_bytes

    rotation = practice_dir
    stored = _store(2)
    real_switch = keyrotation._switch_key
    calls = []

    def crash_on_second_switch(current, retired_dir, stamp):
        calls.append(current)
        if len(calls) == 2:
            raise Interrupted
        real_switch(current, retired_dir, stamp)

    monkeypatch.setattr(keyrotation, "_switch_key", crash_on_second_switch)
    with pytest.raises(Interrupted):
        keyrotation.rotate_keys(rotation_paths=rotation)
    monkeypatch.setattr(keyrotation, "_switch_key", real_switch)
    result = keyrotation.rotate_keys(rotation_paths=rotation)
    assert result.resumed
    assert _db_count(rotation, read_key_file(rotation.db_key)) == 500
    for row, content in stored:
        assert read_bytes(row) == content


def test_second_rotation_works_and_a_damaged_file_is_reported(practice_dir):
    rotation = practice_dir
    _store(1)
    keyrotation.rotate_keys(rotation_paths=rotation)
    damaged = next(rotation.documents.rglob("*.bin"))
    blob = bytearray(damaged.read_bytes())
    blob[-1] ^= 1
    damaged.write_bytes(bytes(blob))
    result = keyrotation.rotate_keys(rotation_paths=rotation)
    assert result.files_unreadable == [str(damaged.relative_to(rotation.documents))]
    assert _db_count(rotation, read_key_file(rotation.db_key)) == 500


def test_database_with_an_unknown_key_stops_the_rotation_before_any_switch(practice_dir):
    rotation = practice_dir
    write_secret_file(rotation.db_key, secrets.token_hex(32) + "\n")  # not the database's key
    with pytest.raises(keyrotation.RotationError, match="neither the current key nor the new one"):
        keyrotation.rotate_keys(rotation_paths=rotation)
    assert rotation.state.exists()


def test_key_rotate_command(practice_dir, monkeypatch, capsys):
    from django.core.management import call_command

    from intramuros.audit.models import AuditEvent
    from intramuros.core.management.commands import key as key_command

    monkeypatch.setattr(key_command, "default_paths", lambda: practice_dir)
    _store(2)
    call_command("key", "rotate")
    out = capsys.readouterr().out
    assert "Keys rotated: 2 document file(s)" in out and "database: done" in out
    event = AuditEvent.objects.get(action="security.keys.rotated")
    assert event.flagged and event.detail["files"] == 2
