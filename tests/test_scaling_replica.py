"""The several-sites recipe of docs/scaling.md, run on this machine: a primary and a streaming replica.

Two new PostgreSQL clusters on free ports in a temporary directory (initdb, pg_basebackup -R, pg_ctl), the
replica synchronous (`remote_apply`: a commit returns once the second site shows it, so no waiting or
polling is needed). Data written through the primary is read from the replica, the replica refuses writes,
and once the primary is gone the replica is promoted and takes writes: the "main site burns" drill.
Runs as the `postgres` user (runuser) when the tests run as root. Takes ~10-30 s.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


BIN = _bin_dir()
AS_ROOT = os.geteuid() == 0
pytestmark = pytest.mark.skipif(
    BIN is None or (AS_ROOT and shutil.which("runuser") is None),
    reason="PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed (or runuser is missing)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*cmd: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if AS_ROOT else []
    done = subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"


def _start(data: Path, port: int, sockets: Path) -> None:
    _run(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(data.parent / f"{data.name}.log"), "-w", "-t", "60",
         "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1", "start")


def _connect(port: int):
    # statement_timeout: a commit waiting for a standby that never answers fails the test instead of hanging.
    return psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True,
                           connect_timeout=10, options="-c statement_timeout=30000")


@pytest.fixture
def sites():
    """(primary port, replica port, replica data dir): two clusters, stopped and removed whatever happens."""
    # Not pytest's tmp_path: its parents are private to the user running the tests, and the clusters run
    # as `postgres`.
    root = Path(tempfile.mkdtemp(prefix="intramuros-replica-"))
    if AS_ROOT:
        shutil.chown(root, "postgres")
    primary, replica = root / "primary", root / "replica"
    p_port, r_port = _free_port(), _free_port()
    started = []
    try:
        _run(str(BIN / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        _start(primary, p_port, root)
        started.append(primary)
        _run(str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres", "-D", str(replica),
             "-R", "-X", "stream", "--no-sync")
        _start(replica, r_port, root)
        started.append(replica)
        # Only now, and only on the primary: the second site confirms every commit it has applied. Set before
        # the base backup, the replica would inherit it and, once promoted alone, wait for ever for a standby
        # (see docs/scaling.md).
        with _connect(p_port) as conn:
            conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
            conn.execute("ALTER SYSTEM SET synchronous_commit = 'remote_apply'")
            conn.execute("SELECT pg_reload_conf()")
        for _ in range(200):  # the reload is asynchronous: new sessions must see it before the writes start
            with _connect(p_port) as conn:
                if conn.execute("SHOW synchronous_commit").fetchone()[0] == "remote_apply":
                    break
            time.sleep(0.05)
        yield p_port, r_port, replica
    finally:
        for data in reversed(started):
            prefix = ["runuser", "-u", "postgres", "--"] if AS_ROOT else []
            subprocess.run([*prefix, str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_data_written_at_the_main_site_is_read_at_the_second_site_which_can_take_over(sites):
    p_port, r_port, replica_dir = sites
    with _connect(p_port) as primary:
        primary.execute("CREATE TABLE patients (id serial PRIMARY KEY, name text NOT NULL)")
        primary.execute("INSERT INTO patients (name) VALUES ('DUPONT Jeanne'), ('MARTIN Paul')")

    with _connect(r_port) as replica:
        assert replica.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        names = [r[0] for r in replica.execute("SELECT name FROM patients ORDER BY id")]
        assert names == ["DUPONT Jeanne", "MARTIN Paul"]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            replica.execute("INSERT INTO patients (name) VALUES ('written at the wrong site')")

    # The main site burns: its server is gone; the second site is promoted and takes the writes.
    prefix = ["runuser", "-u", "postgres", "--"] if AS_ROOT else []
    subprocess.run([*prefix, str(BIN / "pg_ctl"), "-D", str(replica_dir.parent / "primary"), "-m", "immediate",
                    "-w", "stop"], capture_output=True, timeout=60, check=True)
    _run(str(BIN / "pg_ctl"), "-D", str(replica_dir), "-w", "-t", "60", "promote")
    with _connect(r_port) as promoted:
        assert promoted.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        promoted.execute("INSERT INTO patients (name) VALUES ('DURAND Léa')")
        assert promoted.execute("SELECT count(*) FROM patients").fetchone()[0] == 3
