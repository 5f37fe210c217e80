"""Benchmark: the audit log on the encrypted embedded database — appending rows, checking the chain.

Usage:
    .venv/bin/python bench/audit_chain.py [--events 20000] [--data-dir DIR]

Creates a fresh data directory (temporary unless --data-dir), runs `intramuros init`, appends --events rows
with `audit.record` (each its own transaction, as in a request), then times `audit_verify` over the whole
chain, and prints rows/s for both and the projected time to verify one million rows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="intramuros-bench-audit-"))
    os.environ["INTRAMUROS_DATA_DIR"] = str(data_dir)
    os.environ.pop("INTRAMUROS_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("init", verbosity=0)
    from intramuros import audit
    from intramuros.audit.models import AuditAnchor
    from intramuros.audit.services import audit_verify

    try:
        started = time.perf_counter()
        for i in range(args.events):
            audit.record(actor=None, action="bench.patient.viewed", patient=i % 5000, part="summary")
        append = time.perf_counter() - started
        started = time.perf_counter()
        report = audit_verify()
        verify = time.perf_counter() - started
        assert report.ok, report.reason
        print(f"appended {args.events} rows in {append:.1f} s: {args.events / append:.0f} rows/s "
              f"({append / args.events * 1000:.2f} ms per row, {AuditAnchor.objects.count()} anchors)")
        print(f"verified {report.checked} rows and {report.anchors_checked} anchors in {verify:.2f} s: "
              f"{report.checked / verify:.0f} rows/s; one million rows would take ~{1e6 / (report.checked / verify):.0f} s")
    finally:
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
