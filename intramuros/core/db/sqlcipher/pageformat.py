"""The page format of the encrypted database files, and the conversion of files made in the older one.

SQLCipher encrypts every page (AES-256) and authenticates it with an HMAC checked at every read. Its default
HMAC is SHA-512; Intramuros's databases use SHA-256, which processors with SHA instructions compute about
twice as fast. Pages are read again after every other connection's commit (each page view commits an audit
row), so this is most of what encryption costs the server: a cold 4 KB page costs 21 us with SHA-512,
14 us with SHA-256 and 4.5 us unencrypted (bench/README.md). A 256-bit tag per page still makes a forged
or altered page fail its check; the key and the cipher are unchanged.

SQLCipher does not record the format in the file: a file is opened in the current format, then, failing
that, in the older one (files made before 2026-11-29). `intramuros upgrade` converts an older file once,
while the software is stopped (`convert`).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

from intramuros.core.files import fsync_directory

CURRENT = "HMAC_SHA256"
LEGACY = "HMAC_SHA512"  # SQLCipher 4's default
FORMATS = (CURRENT, LEGACY)


class ConversionError(Exception):
    pass


def apply_key(conn, key: str, page_format: str) -> None:
    """Key a new connection: before anything reads the file."""
    conn.execute(f"PRAGMA key = \"x'{key}'\"")
    conn.execute(f"PRAGMA cipher_hmac_algorithm = {page_format}")


def _readable(conn) -> bool:
    """Reads page 1, which fails under a wrong key or format. SQLCipher's own log would print each failure."""
    level = conn.execute("PRAGMA cipher_log_level").fetchone()[0]
    conn.execute("PRAGMA cipher_log_level = NONE")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher.DatabaseError:
        return False
    finally:
        conn.execute(f"PRAGMA cipher_log_level = {level}")


def connect(key: str, *, database: str, opener: Callable = sqlcipher.connect, page_format: str | None = None,
            **params):
    """Open an encrypted file: (connection, its format), or (None, None) when no format opens it (wrong key,
    or not an Intramuros database). A new or empty file takes the current format (or `page_format`)."""
    for candidate in (page_format,) if page_format else FORMATS:
        conn = opener(database=database, **params)
        apply_key(conn, key, candidate)
        if _readable(conn):
            return conn, candidate
        conn.close()
    return None, None


def format_of(path: Path, key: str) -> str | None:
    """The format of an existing file, None when it opens with neither (wrong key)."""
    conn, page_format = connect(key, database=str(path))
    if conn is not None:
        conn.close()
    return page_format


def _in_use(path: Path) -> bool:
    """Another process has the database open: every connection to a file in WAL mode holds a read lock on
    the shared-memory file's byte 128 (SQLite's "DMS" lock) while it is open."""
    shm = path.with_name(path.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False  # the last connection to close removes it
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 128)
        return False
    finally:
        os.close(fd)


def _counts(conn, schema: str) -> dict[str, int]:
    """Rows per table of `schema` ("main" or "converted"), the tables named by its own catalogue."""
    names = [r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master "  # noqa: S608
                                        "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    quoted = {n: '"' + n.replace('"', '""') + '"' for n in names}
    return {n: conn.execute(f"SELECT count(*) FROM {schema}.{quoted[n]}").fetchone()[0]  # noqa: S608
            for n in names}


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def convert(path: Path, key: str) -> str:
    """Rewrite a file of the older format in the current one: 'done', or 'already'.

    The new file is written beside the old one, checked (integrity and the rows of every table), made durable,
    and only then renamed over it: a crash or a failure at any point leaves one complete database."""
    if _in_use(path):
        raise ConversionError("The database is in use: stop Intramuros (`intramuros serve` and its worker), "
                              "then run `intramuros upgrade` again.")
    conn, page_format = connect(key, database=str(path), isolation_level=None)
    if conn is None:
        raise ConversionError(f"The database {path} cannot be opened with the key in the key file: restore "
                              "the right key file.")
    target = path.with_name(path.name + ".converting")
    failure = None
    try:
        if page_format == CURRENT:
            return "already"
        needed = path.stat().st_size
        if shutil.disk_usage(path.parent).free < needed * 1.1:
            raise ConversionError(f"Not enough free disk space to convert the database: {needed // 2**20} MB "
                                  f"are needed beside {path}. Free some space and run `intramuros upgrade` again.")
        _remove(target)  # left by a conversion interrupted earlier
        before, after = _export(conn, target, key)
    except sqlcipher.DatabaseError as exc:
        failure = exc
    finally:
        conn.close()
    if failure is not None:  # the old file was only read
        _remove(target)
        raise ConversionError(f"The conversion failed ({failure}): the database was left as it was. Report "
                              "this to your support.")
    _check_converted(target, key, before, after)
    with open(target, "rb") as written:
        os.fsync(written.fileno())
    os.replace(target, path)
    for suffix in ("-wal", "-shm"):  # emptied by the checkpoint; they belonged to the old file
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    fsync_directory(path.parent)
    return "done"


def _export(conn, target: Path, key: str) -> tuple[dict[str, int], dict[str, int]]:
    """Every page of the open file rewritten into `target` in the current format; the rows of both."""
    conn.execute("PRAGMA busy_timeout = 20000")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ATTACH DATABASE ? AS converted KEY ?", [str(target), f"x'{key}'"])
    conn.execute(f"PRAGMA converted.cipher_hmac_algorithm = {CURRENT}")
    conn.execute("SELECT sqlcipher_export('converted')")
    version = conn.execute("PRAGMA main.user_version").fetchone()[0]
    conn.execute(f"PRAGMA converted.user_version = {int(version)}")
    counts = _counts(conn, "main"), _counts(conn, "converted")
    conn.execute("DETACH DATABASE converted")
    return counts


def _check_converted(target: Path, key: str, before: dict[str, int], after: dict[str, int]) -> None:
    conn, _ = connect(key, database=str(target), page_format=CURRENT)
    try:
        verdict = [r[0] for r in conn.execute("PRAGMA integrity_check")] if conn else ["cannot be opened"]
    finally:
        if conn is not None:
            conn.close()
    if verdict != ["ok"] or before != after:
        _remove(target)
        differing = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
        raise ConversionError("The converted database did not check out (" + ("; ".join(verdict[:3])
                              if verdict != ["ok"] else "rows differ in " + ", ".join(differing[:5]))
                              + "): the database was left as it was. Report this to your support.")
