"""`intramuros migrate-to-postgres`: a demo practice moved from the embedded database to a throw-away PostgreSQL.

The source is a real embedded practice made by `intramuros demo` in a temporary data directory (subprocesses,
as a practice runs them); the target is a database created for this test and dropped after it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
pytestmark = [
    pytest.mark.skipif(bool(os.environ.get("INTRAMUROS_DATABASE_URL")),
                       reason="the move needs the embedded database as its source: run without "
                              "INTRAMUROS_DATABASE_URL (it creates its own PostgreSQL target)"),
]


def _admin():
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(**PG, dbname="postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server at {PG['host']}:{PG['port']} for the target ({exc})")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_SETTINGS"))}


def _intramuros(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = _env()
    return subprocess.run([sys.executable, "-m", "intramuros", "--data-dir", str(data_dir), *args], env=env,
                          capture_output=True, text=True, timeout=600)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_practice(tmp_path_factory, initialised_data_dir):
    data = initialised_data_dir(tmp_path_factory.mktemp("practice"), _env())
    done = _intramuros(data, "demo", "--patients", "20")
    assert done.returncode == 0, done.stderr
    return data


@pytest.fixture
def target_url():
    from psycopg import sql

    name = f"intramuros_migrate_test_{os.getpid()}"
    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_moves_every_row_keeps_keys_and_leaves_the_embedded_file_untouched(demo_practice, target_url):
    db_file = demo_practice / "intramuros.db"
    before = _sha(db_file)

    done = _intramuros(demo_practice, "migrate-to-postgres", target_url)

    assert done.returncode == 0, done.stderr
    assert "same count" in done.stdout
    assert _sha(db_file) == before
    assert _count(target_url, "patients_patient") == 20
    # The copied practice works on PostgreSQL: the same patients, found by the same keys, and new rows
    # get keys after the copied ones (sequences reset).
    check = (
        "import django; django.setup()\n"
        "from intramuros.patients.models import Patient\n"
        "from intramuros.accounts.models import User\n"
        "from django.db import connection\n"
        "first = Patient.all_objects.order_by('pk').first()\n"
        "u = User.objects.create(username='after-move')\n"
        "print(connection.vendor, Patient.all_objects.count(), first.birth_name, u.pk > User.objects.exclude(pk=u.pk)"
        ".order_by('-pk').first().pk)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_SETTINGS"))}
    env.update(INTRAMUROS_DATA_DIR=str(demo_practice), INTRAMUROS_DATABASE_URL=target_url,
               DJANGO_SETTINGS_MODULE="intramuros.settings")
    on_pg = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=120)
    assert on_pg.returncode == 0, on_pg.stderr
    vendor, count, _name, after = on_pg.stdout.split()
    assert (vendor, count, after) == ("postgresql", "20", "True")


def test_refuses_a_target_that_is_not_empty(demo_practice, target_url):
    import psycopg

    with psycopg.connect(target_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE someone_elses (id int)")

    done = _intramuros(demo_practice, "migrate-to-postgres", target_url)

    assert done.returncode != 0
    assert "is not empty" in done.stderr
    assert "Traceback" not in done.stderr


def test_refuses_a_url_that_is_not_postgres(demo_practice):
    done = _intramuros(demo_practice, "migrate-to-postgres", "mysql://db/practice")

    assert done.returncode != 0
    assert "postgres://" in done.stderr
