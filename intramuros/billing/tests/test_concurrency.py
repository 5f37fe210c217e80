"""Invoices issued from concurrent requests: no duplicate and no gap in the numbering."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from intramuros.billing.tests.concurrent_issue import run_concurrently

THREADS, PER_THREAD = 6, 5


def _check(numbers, seqs):
    assert len(numbers) == THREADS * PER_THREAD
    assert len(set(numbers)) == len(numbers), "a number was given twice"
    assert seqs == list(range(1, THREADS * PER_THREAD + 1)), "the sequence has a gap or a duplicate"


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_on_the_test_database(fees, dr_alice, jeanne_martin):
    if connection.vendor == "sqlite" and connection.creation.is_in_memory_db(connection.settings_dict["NAME"]):
        pytest.skip("in-memory shared-cache SQLite answers 'table is locked' instead of waiting: "
                    "test_concurrent_issues_on_a_file_database covers SQLite with real connections")
    from intramuros.billing.models import Invoice

    result = run_concurrently(threads=THREADS, per_thread=PER_THREAD, actor=dr_alice, patient=jeanne_martin,
                              practitioner=dr_alice)
    assert result["errors"] == []
    _check(result["numbers"], list(Invoice.objects.order_by("seq").values_list("seq", flat=True)))


def test_concurrent_issues_on_a_file_database(tmp_path):
    """SQLite as in production: a file, WAL, IMMEDIATE transactions; six threads race for numbers."""
    if connection.vendor != "sqlite":
        pytest.skip("this run is on PostgreSQL: test_concurrent_issues_on_the_test_database covers it")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTRAMUROS_")}
    env.update(INTRAMUROS_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="intramuros.settings_test",
               INTRAMUROS_HTTPS="0")
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-m", "intramuros.billing.tests.concurrent_issue", str(THREADS),
                           str(PER_THREAD)], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite" and result["database"].startswith(str(tmp_path))
    assert result["errors"] == []
    _check(result["numbers"], result["seqs"])
