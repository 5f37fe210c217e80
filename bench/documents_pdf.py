"""Benchmark: rendering a one-page letter to PDF (WeasyPrint, letterhead with logo, local fonts).

Usage:
    .venv/bin/python bench/documents_pdf.py [--runs 20] [--data-dir DIR]

It creates a fresh data directory (a temporary one unless --data-dir is given, which must be empty or absent),
runs `intramuros init`, adds a practice letterhead with a logo, a practitioner and a patient, fills the shipped
referral template for them, then times `documents.services.letter_pdf` (template + letterhead + WeasyPrint) and,
separately, `letter_print` (render + encrypt + store + audit). Prints p50/p95 in milliseconds.
The first render (font discovery) is excluded, as it happens once per server process.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    temp = args.data_dir is None
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="intramuros-bench-"))
    if not temp and data_dir.exists() and any(data_dir.iterdir()):
        print(f"{data_dir} is not empty: give a new or empty directory.", file=sys.stderr)
        return 2
    try:
        os.environ["INTRAMUROS_DATA_DIR"] = str(data_dir)
        os.environ.pop("INTRAMUROS_DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("init", verbosity=0)
        from intramuros.accounts.models import Role, User
        from intramuros.core.models import Practice
        from intramuros.documents import services
        from intramuros.documents.demo import _logo_png
        from intramuros.documents.models import LetterTemplate
        from intramuros.patients.models import Patient

        Practice.current() or Practice.objects.create(name="Cabinet des Tilleuls", address="12 rue des Tilleuls")
        doctor = User.objects.create(username="bench", role=Role.PRACTITIONER, title="Dr", first_name="Alice",
                                     last_name="Bernard", specialty="Médecine générale", rpps="10001234567")
        services.letterhead_save(actor=doctor, name="Cabinet des Tilleuls", address="12 rue des Tilleuls\n67000",
                                 phone="03 88 00 00 00", footer="Urgences : 15", logo=_logo_png())
        patient = Patient(birth_name="Martin", first_names="Jeanne", sex="F", birth_date=datetime.date(1975, 3, 14))
        patient.save()
        template = LetterTemplate.objects.get(code="referral")
        letter = services.letter_create(author=doctor, patient=patient, template=template)

        first = time.perf_counter()
        pdf = services.letter_pdf(letter)
        print(f"first render (font discovery): {(time.perf_counter() - first) * 1000:.0f} ms, {len(pdf)} bytes")
        renders = []
        for _ in range(args.runs):
            start = time.perf_counter()
            services.letter_pdf(letter)
            renders.append((time.perf_counter() - start) * 1000)
        prints = []
        for _ in range(args.runs):
            draft = services.letter_new_version(actor=doctor, letter=letter)
            start = time.perf_counter()
            services.letter_print(actor=doctor, letter=draft)
            prints.append((time.perf_counter() - start) * 1000)
        print(f"{'':<34}{'runs':>6}{'p50 ms':>9}{'p95 ms':>9}")
        print(f"{'one-page letter PDF (render)':<34}{len(renders):>6}{statistics.median(renders):>9.1f}"
              f"{pct(renders, 95):>9.1f}")
        print(f"{'print (render+encrypt+store+audit)':<34}{len(prints):>6}{statistics.median(prints):>9.1f}"
              f"{pct(prints, 95):>9.1f}")
        return 0
    finally:
        if temp:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
