"""Consistent copies of the live database, taken while the software keeps running, and their loading back.

Embedded database: SQLite's online backup API copies every page inside one read transaction (in WAL mode
writers go on meanwhile) into a new SQLCipher file keyed with a random key made for this copy alone; that
key travels inside the age-encrypted archive, the practice's database key does not. A restore re-keys the
copy (`PRAGMA rekey`) to the new machine's key.

PostgreSQL: `pg_dump --format=custom` inside an exported snapshot, the row counts read in that same snapshot.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from django.db import connection

from intramuros.core.db.sqlcipher import pageformat
from intramuros.core.keys import read_key_file


class SnapshotError(Exception):
    pass


@dataclass
class DatabaseCopy:
    path: Path
    engine: str  # "sqlcipher" or "postgresql"
    key: str  # key of the copy (embedded database), "" for a PostgreSQL dump
    tables: dict[str, int]


def open_encrypted(path: Path, key: str, page_format: str | None = None) -> sqlcipher.Connection:
    """An existing file in whichever format it was made, or a new one in `page_format` (default: current).

    A file no format opens (a wrong key, a damaged copy) is opened anyway in the current format: the first
    read then fails with SQLCipher's "file is not a database", which the callers report."""
    conn, _ = pageformat.connect(key, database=str(path), isolation_level=None, page_format=page_format)
    if conn is None:
        conn = sqlcipher.connect(str(path), isolation_level=None)
        pageformat.apply_key(conn, key, pageformat.CURRENT)
    return conn


def sqlite_tables(conn) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                        "ORDER BY name").fetchall()
    return [r[0] for r in rows]


def count_sql(table: str) -> str:
    """`SELECT count(*)` of a table named by the database's own catalogue, quoted as an identifier."""
    quoted = '"' + table.replace('"', '""') + '"'
    return f"SELECT count(*) FROM {quoted}"  # noqa: S608 - an identifier from the catalogue, quoted


def sqlite_counts(conn) -> dict[str, int]:
    return {t: conn.execute(count_sql(t)).fetchone()[0] for t in sqlite_tables(conn)}


def copy_database(dest_dir: Path) -> DatabaseCopy:
    if connection.vendor == "postgresql":
        return _copy_postgresql(dest_dir)
    return _copy_sqlcipher(dest_dir)


def _copy_sqlcipher(dest_dir: Path) -> DatabaseCopy:
    settings = connection.settings_dict
    target = dest_dir / "intramuros.db"
    key = secrets.token_hex(32)
    in_memory = connection.creation.is_in_memory_db(settings["NAME"])
    if in_memory:
        # The test suite's in-memory database can only be reached through Django's own connection,
        # which must not be inside a transaction (the copy would wait for it forever).
        if connection.in_atomic_block:
            raise SnapshotError("an in-memory database cannot be copied from inside a transaction")
        connection.ensure_connection()
        src, page_format = connection.connection, connection.page_format
    else:
        src, page_format = pageformat.connect(read_key_file(Path(settings["OPTIONS"]["key_file"])),
                                              database=settings["NAME"], isolation_level=None)
        if src is None:
            raise SnapshotError(f"the database {settings['NAME']} cannot be opened with the key in the key file")
        src.execute("PRAGMA busy_timeout = 20000")
    try:
        # SQLite's backup copies the pages as they are: the copy is made in the live file's format.
        dst = open_encrypted(target, key, page_format)
        try:
            src.backup(dst)  # all pages in one step: one read transaction, one consistent state
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            tables = sqlite_counts(dst)
        finally:
            dst.close()
    finally:
        if not in_memory:
            src.close()
    return DatabaseCopy(target, "sqlcipher", key, tables)


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SnapshotError(f"{name} is not installed on this machine: install the PostgreSQL client tools "
                            "(Debian: apt install postgresql-client) to back up a PostgreSQL database.")
    return found


def pg_env_args(settings: dict | None = None) -> tuple[dict, list[str]]:
    settings = settings or connection.settings_dict
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            args += [flag, str(settings[key])]
    return env, args


def _copy_postgresql(dest_dir: Path) -> DatabaseCopy:
    pg_dump = pg_tool("pg_dump")
    target = dest_dir / "intramuros.pgdump"
    env, args = pg_env_args()
    with connection.cursor() as probe:
        probe.execute("SELECT 1")
    raw = connection.connection
    # A separate session holds the snapshot open while pg_dump reads it, so counts and dump agree.
    import psycopg

    info = raw.info
    with psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password or None,
                         dbname=info.dbname, autocommit=False) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        names = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]
        tables = {n: conn.execute(count_sql(n)).fetchone()[0] for n in names}
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             f"--file={target}", *args, info.dbname],
            env=env, capture_output=True, text=True, check=False)
        conn.rollback()
    if result.returncode != 0:
        raise SnapshotError(f"pg_dump failed: {result.stderr.strip()}")
    os.chmod(target, 0o600)
    return DatabaseCopy(target, "postgresql", "", tables)


def check_sqlcipher_copy(path: Path, key: str) -> tuple[str, dict[str, int]]:
    """PRAGMA integrity_check and row counts of a copy taken from an archive."""
    conn = open_encrypted(path, key)
    try:
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlcipher.DatabaseError as exc:
            return f"the database copy cannot be opened ({exc})", {}
        verdict = "ok" if result == ["ok"] else "; ".join(result[:5])
        return verdict, sqlite_counts(conn) if verdict == "ok" else {}
    finally:
        conn.close()


def rekey_sqlcipher_copy(path: Path, old_key: str, new_key: str) -> None:
    conn = open_encrypted(path, old_key)
    try:
        conn.execute(f"PRAGMA rekey = \"x'{new_key}'\"")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def check_pg_dump(path: Path) -> str:
    """The dump's table of contents must be readable to its end."""
    result = subprocess.run([pg_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        return f"the PostgreSQL dump cannot be read ({result.stderr.strip()})"
    return "ok"


def pg_counts_via_scratch(path: Path) -> dict[str, int] | None:
    """Restore the dump into a scratch database and count its rows; None when not allowed to create one."""
    import psycopg

    settings = connection.settings_dict
    scratch = f"intramuros_verify_{secrets.token_hex(4)}"
    connect = dict(host=settings.get("HOST") or None, port=settings.get("PORT") or None,
                   user=settings.get("USER") or None, password=settings.get("PASSWORD") or None)
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **connect) as admin:
            admin.execute(f'CREATE DATABASE "{scratch}"')
    except psycopg.Error:
        return None
    try:
        env, args = pg_env_args()
        result = subprocess.run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                                 *args, f"--dbname={scratch}", str(path)], env=env, capture_output=True,
                                text=True, check=False)
        if result.returncode != 0:
            raise SnapshotError(f"the PostgreSQL dump does not restore ({result.stderr.strip()[:300]})")
        with psycopg.connect(dbname=scratch, **connect) as conn:
            names = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]
            return {n: conn.execute(count_sql(n)).fetchone()[0] for n in names}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **connect) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def restore_pg_dump(path: Path) -> None:
    """Replace every table of the configured database by the dump's, in one transaction (all or nothing)."""
    settings = connection.settings_dict
    connection.close()
    env, args = pg_env_args(settings)
    drop = (
        "DO $$ DECLARE r record; BEGIN "
        "FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP "
        "EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(r.tablename) || ' CASCADE'; END LOOP; "
        "FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() LOOP "
        "EXECUTE 'DROP SEQUENCE IF EXISTS ' || quote_ident(r.sequencename) || ' CASCADE'; END LOOP; END $$;\n"
    )
    psql = subprocess.Popen([pg_tool("psql"), "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
                             *args, f"--dbname={settings['NAME']}"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dump = subprocess.Popen([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        psql.stdin.write(drop.encode())
        shutil.copyfileobj(dump.stdout, psql.stdin, 1024 * 1024)
        psql.stdin.close()
    except BrokenPipeError:
        pass  # psql stopped on an error: reported below
    dump_err = dump.stderr.read().decode()
    psql_err = psql.stderr.read().decode()
    if dump.wait() != 0 or psql.wait() != 0:
        raise SnapshotError(f"the PostgreSQL restore failed and was rolled back: {(dump_err + psql_err).strip()[:500]}")
