"""The encrypted files' page format: new files in HMAC-SHA256, older SHA-512 files opened and converted."""

import secrets
import subprocess
import sys

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from intramuros.core.db.sqlcipher import pageformat

ROWS = 2_000


def _raw(path, key):
    """Keyed with SQLCipher's defaults, as files were made before."""
    conn = sqlcipher.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key}'\"")
    return conn


def _opens_as(path, key, hmac) -> bool:
    conn, _ = pageformat.connect(key, database=str(path), page_format=hmac)
    if conn is not None:
        conn.close()
    return conn is not None


@pytest.fixture
def key():
    return secrets.token_hex(32)


@pytest.fixture
def legacy(tmp_path, key):
    """A file as SQLCipher's defaults made them before (HMAC-SHA512), in WAL mode."""
    path = tmp_path / "intramuros.db"
    conn = _raw(path, key)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    conn.execute("CREATE INDEX note_body ON note (body)")
    conn.executemany("INSERT INTO note (body) VALUES (?)", [(f"note {i} é",) for i in range(ROWS)])
    conn.execute('CREATE TABLE "odd ""name""" (x)')
    conn.execute('INSERT INTO "odd ""name""" VALUES (1)')
    conn.execute("PRAGMA user_version = 42")
    conn.close()
    assert _opens_as(path, key, pageformat.LEGACY) and not _opens_as(path, key, pageformat.CURRENT)
    return path


def _content(path, key):
    conn, _ = pageformat.connect(key, database=str(path))
    try:
        return (conn.execute("SELECT group_concat(body, '|') FROM (SELECT body FROM note ORDER BY id)").fetchone(),
                conn.execute('SELECT count(*) FROM "odd ""name"""').fetchone(),
                conn.execute("PRAGMA user_version").fetchone(),
                conn.execute("PRAGMA integrity_check").fetchone())
    finally:
        conn.close()


def test_a_new_file_is_made_in_the_current_format(tmp_path, key):
    path = tmp_path / "new.db"
    conn, page_format = pageformat.connect(key, database=str(path))
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    assert page_format == pageformat.CURRENT == "HMAC_SHA256"
    assert _opens_as(path, key, "HMAC_SHA256") and not _opens_as(path, key, "HMAC_SHA512")
    assert pageformat.format_of(path, key) == pageformat.CURRENT


def test_a_file_of_the_older_format_still_opens(legacy, key):
    conn, page_format = pageformat.connect(key, database=str(legacy))
    try:
        assert page_format == pageformat.LEGACY
        assert conn.execute("SELECT count(*) FROM note").fetchone() == (ROWS,)
    finally:
        conn.close()


def test_a_wrong_key_opens_in_no_format(legacy):
    assert pageformat.connect(secrets.token_hex(32), database=str(legacy)) == (None, None)
    with pytest.raises(pageformat.ConversionError, match="cannot be opened with the key"):
        pageformat.convert(legacy, secrets.token_hex(32))


def test_conversion_keeps_every_row_and_leaves_no_trace(legacy, key):
    before = _content(legacy, key)
    assert pageformat.convert(legacy, key) == "done"
    assert _opens_as(legacy, key, pageformat.CURRENT) and not _opens_as(legacy, key, pageformat.LEGACY)
    assert _content(legacy, key) == before
    assert before[1:] == ((1,), (42,), ("ok",)) and before[0][0].count("|") == ROWS - 1
    assert sorted(p.name for p in legacy.parent.iterdir()) == ["intramuros.db"]
    assert pageformat.convert(legacy, key) == "already"


def test_an_interrupted_conversion_is_started_again(legacy, key):
    leftover = legacy.with_name("intramuros.db.converting")
    leftover.write_bytes(b"half-written by a conversion cut short")
    assert pageformat.convert(legacy, key) == "done"
    assert not leftover.exists() and pageformat.format_of(legacy, key) == pageformat.CURRENT


def test_conversion_refuses_a_database_another_process_has_open(legacy, key):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, sqlcipher3.dbapi2 as s\n"
                               f"c = s.connect({str(legacy)!r})\n"
                               f"c.execute(\"PRAGMA key = \\\"x'{key}'\\\"\")\n"
                               "print(c.execute('SELECT count(*) FROM note').fetchone()[0], flush=True)\n"
                               "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == str(ROWS)
        with pytest.raises(pageformat.ConversionError, match="in use: stop Intramuros"):
            pageformat.convert(legacy, key)
        assert pageformat.format_of(legacy, key) == pageformat.LEGACY
    finally:
        holder.communicate("", timeout=30)
    assert pageformat.convert(legacy, key) == "done"


def test_a_conversion_that_does_not_check_out_leaves_the_file_as_it_was(legacy, key, monkeypatch):
    counts = pageformat._counts
    monkeypatch.setattr(pageformat, "_counts",
                        lambda conn, schema: {**counts(conn, schema), "note": 0} if schema == "converted"
                        else counts(conn, schema))
    with pytest.raises(pageformat.ConversionError, match="rows differ in note"):
        pageformat.convert(legacy, key)
    assert pageformat.format_of(legacy, key) == pageformat.LEGACY
    assert not legacy.with_name("intramuros.db.converting").exists()
    assert _content(legacy, key)[2:] == ((42,), ("ok",))


def test_not_enough_disk_space_is_said_before_anything_is_written(legacy, key, monkeypatch):
    monkeypatch.setattr(pageformat.shutil, "disk_usage", lambda _path: type("U", (), {"free": 1000})())
    with pytest.raises(pageformat.ConversionError, match="Not enough free disk space"):
        pageformat.convert(legacy, key)
    assert pageformat.format_of(legacy, key) == pageformat.LEGACY
    assert not legacy.with_name("intramuros.db.converting").exists()


def test_a_conversion_that_fails_half_way_leaves_the_file_as_it_was(legacy, key, monkeypatch):
    def export_then_fail(conn, target, key):
        conn.execute("ATTACH DATABASE ? AS converted KEY ?", [str(target), f"x'{key}'"])
        conn.execute("CREATE TABLE converted.half (x)")
        raise sqlcipher.OperationalError("database or disk is full")

    monkeypatch.setattr(pageformat, "_export", export_then_fail)
    with pytest.raises(pageformat.ConversionError, match="disk is full.*left as it was"):
        pageformat.convert(legacy, key)
    assert pageformat.format_of(legacy, key) == pageformat.LEGACY
    assert sorted(p.name for p in legacy.parent.iterdir()) == ["intramuros.db"]
    assert _content(legacy, key)[2:] == ((42,), ("ok",))
