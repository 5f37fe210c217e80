"""The embedded database is encrypted, durable, and refuses a wrong key in plain words."""

import os
import sqlite3
import subprocess
import sys

import pytest

ENV_KEYS = ("INTRAMUROS_DATABASE_URL", "INTRAMUROS_DB_KEY_FILE")


def _run(data_dir, *args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and not k.startswith("DJANGO_")}
    env["INTRAMUROS_DATA_DIR"] = str(data_dir)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "intramuros", *args], capture_output=True, text=True, env=env,
                          timeout=180)


@pytest.fixture(scope="module")
def practice_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("practice")
    assert _run(data, "init").returncode == 0
    result = _run(data, "demo", "--patients", "40")
    assert result.returncode == 0, result.stderr
    return data


def test_file_has_no_sqlite_header_and_no_name_in_clear(practice_dir):
    db = practice_dir / "intramuros.db"
    raw = db.read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    for suffix in ("", "-wal"):
        f = practice_dir / f"intramuros.db{suffix}"
        if f.exists():
            content = f.read_bytes()
            assert b"Bernard" not in content and b"alice" not in content


def test_plain_sqlite_cannot_read_it(practice_dir):
    conn = sqlite3.connect(practice_dir / "intramuros.db")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()


def test_wrong_key_refuses_to_start_with_a_sentence(practice_dir, tmp_path):
    wrong = tmp_path / "wrong.key"
    wrong.write_text("ab" * 32)
    wrong.chmod(0o600)
    result = _run(practice_dir, "check", env_extra={"INTRAMUROS_DB_KEY_FILE": str(wrong)})
    assert result.returncode != 0
    assert "cannot be opened with the key" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_world_readable_key_file_is_refused(practice_dir, tmp_path):
    key = tmp_path / "loose.key"
    key.write_text((practice_dir / "keys" / "db.key").read_text())
    key.chmod(0o644)
    result = _run(practice_dir, "check", env_extra={"INTRAMUROS_DB_KEY_FILE": str(key)})
    assert result.returncode != 0
    assert "chmod 600" in result.stdout + result.stderr


def test_missing_key_file_is_refused(practice_dir, tmp_path):
    result = _run(practice_dir, "check", env_extra={"INTRAMUROS_DB_KEY_FILE": str(tmp_path / "absent.key")})
    assert result.returncode != 0
    assert "is missing" in result.stdout + result.stderr


def test_check_says_healthy(practice_dir):
    result = _run(practice_dir, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "healthy" in result.stdout


def test_unknown_setting_is_refused(practice_dir):
    result = _run(practice_dir, "check", env_extra={"INTRAMUROS_DATADIR": "/tmp"})
    assert result.returncode == 2
    assert "Unknown setting INTRAMUROS_DATADIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_data_dir_is_refused(tmp_path):
    target = tmp_path / "ro"
    target.mkdir()
    target.chmod(0o500)
    if os.access(target, os.W_OK):  # root ignores permission bits: use a path under a file instead
        blocker = tmp_path / "file"
        blocker.write_text("x")
        target = blocker / "data"
    result = _run(target, "init")
    assert result.returncode == 2
    assert "not writable" in result.stderr


def test_connection_pragmas_are_durable(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("embedded database only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA cipher_version")
        assert cursor.fetchone()[0]
