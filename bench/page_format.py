"""CPU per page read from disk, by page format: SQLCipher with HMAC-SHA512 (files made before 2026-11-29),
with HMAC-SHA256 (the current format), and the same SQLite without a key.

    .venv/bin/python bench/page_format.py [--rows 200000] [--dir /tmp]

Each format gets a table of random text (~45 MB); a connection whose page cache holds 10 pages then scans it
five times, so that every page is read from the file again (and decrypted and checked), as a server process
reads them again after another process's commit. Prints CPU microseconds per page and the file's size.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlcipher3.dbapi2 as sqlcipher  # noqa: E402

from intramuros.core.db.sqlcipher import pageformat  # noqa: E402

SCANS = 5


def _open(path: Path, key: str | None, page_format: str | None):
    """A connection to the file, keyed in `page_format` (no key: plain SQLite)."""
    conn = sqlcipher.connect(str(path), isolation_level=None)
    if key:
        pageformat.apply_key(conn, key, page_format)
    return conn


def build(path: Path, key: str | None, page_format: str | None, rows: int) -> None:
    conn = _open(path, key, page_format)
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO t VALUES (?, ?)", ((i, os.urandom(100).hex()) for i in range(rows)))
    conn.execute("COMMIT")
    conn.close()


def cold_scan_us_per_page(path: Path, key: str | None, page_format: str | None) -> float:
    conn = _open(path, key, page_format)
    conn.execute("PRAGMA cache_size = 10")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute("SELECT sum(length(b)) FROM t").fetchone()  # warms the operating system's cache
    start = time.process_time()
    for _ in range(SCANS):
        conn.execute("SELECT sum(length(b)) FROM t").fetchone()
    elapsed = time.process_time() - start
    conn.close()
    return elapsed / SCANS / pages * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    key = secrets.token_hex(32)
    print(f"load average {os.getloadavg()[0]:.2f}; {args.rows:,} rows, cold reads of every page, {SCANS} scans")
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        for label, page_key, page_format in (("SQLCipher, HMAC-SHA512 (older files)", key, pageformat.LEGACY),
                                             ("SQLCipher, HMAC-SHA256 (current)", key, pageformat.CURRENT),
                                             ("the same SQLite, no key", None, None)):
            path = Path(scratch) / f"{label[:12].strip()}-{page_format}.db"
            build(path, page_key, page_format, args.rows)
            us = cold_scan_us_per_page(path, page_key, page_format)
            print(f"  {label:<38} {us:6.2f} us of CPU per page   ({path.stat().st_size / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
