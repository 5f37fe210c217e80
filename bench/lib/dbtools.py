"""Small database helpers shared by the benchmark scripts: plain copies and throw-away PostgreSQL databases."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse


def export_plain(encrypted: Path, key_file: Path, plain: Path) -> None:
    """Copy the encrypted database into an unencrypted file with sqlcipher_export (the source is only read)."""
    from intramuros.core.db.sqlcipher import pageformat

    for suffix in ("", "-wal", "-shm"):
        Path(f"{plain}{suffix}").unlink(missing_ok=True)
    conn, _ = pageformat.connect(key_file.read_text().strip(), database=str(encrypted))
    if conn is None:
        raise SystemExit(f"{encrypted} does not open with the key in {key_file}.")
    try:
        conn.execute(f"ATTACH DATABASE '{plain}' AS plain KEY ''")
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()


def _admin_connect(url: str):
    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(host=parsed.hostname or "", port=parsed.port or 5432, user=unquote(parsed.username or ""),
                           password=unquote(parsed.password or "") or None, dbname="postgres", autocommit=True)


def pg_name(url: str) -> str:
    name = unquote(urlparse(url).path.lstrip("/"))
    if name in {"", "postgres", "template0", "template1", "root", "test", "intramuros"}:
        raise SystemExit(f"Refusing to create or drop the database {name!r}: give a dedicated benchmark database.")
    return name


def pg_recreate(url: str) -> None:
    """Drop and create the benchmark database named in `url` (never a shared one, see pg_name)."""
    from psycopg import sql

    name = pg_name(url)
    with _admin_connect(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_drop(url: str) -> None:
    from psycopg import sql

    name = pg_name(url)
    with _admin_connect(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
