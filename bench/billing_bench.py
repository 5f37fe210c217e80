"""Benchmark: monthly and yearly billing summaries on three years of a 10-practitioner practice.

Usage:
    .venv/bin/python bench/billing_bench.py [--practitioners 10] [--per-day 25] [--years 3] [--runs 15]
                                            [--data-dir DIR] [--seed 11]

It creates a fresh data directory (a temporary one unless --data-dir is given, which must be empty or absent),
runs `intramuros init` there (encrypted embedded database), generates the billing history in bulk
(10 practitioners x 25 consultations a day x ~220 working days x 3 years, about 165,000 invoices, their
lines, patient and insurer payments, every past day closed), then times `billing.selectors.summary_month`
and `billing.selectors.summary_year` (whole practice, and one practitioner) and prints p50/p95/max in
milliseconds. Target: <= 200 ms each.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--practitioners", type=int, default=10)
    parser.add_argument("--per-day", type=int, default=25, help="consultations a working day per practitioner")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per measured call")
    parser.add_argument("--data-dir", help="data directory to create (default: a temporary one, removed after)")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def setup_django(data_dir: Path) -> None:
    os.environ["INTRAMUROS_DATA_DIR"] = str(data_dir)
    os.environ.pop("INTRAMUROS_DATABASE_URL", None)  # the embedded, encrypted database is what is measured
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("init", verbosity=0)


def make_people(args, rng):
    from intramuros.accounts.models import Role, User
    from intramuros.core.models import Practice
    from intramuros.core.text import fold
    from intramuros.patients.models import Patient

    Practice.objects.get_or_create(name="Maison de santé du banc d'essai")
    first = ["Alice", "Bruno", "Chloé", "David", "Emma", "Fabien", "Gaëlle", "Hugo", "Inès", "Jules", "Karim", "Léa"]
    last = ["Bernard", "Morel", "Roux", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau",
            "Vincent", "Muller"]
    practitioners = []
    for k in range(args.practitioners):
        user = User(username=f"dr{k}", role=Role.PRACTITIONER, title="Dr", first_name=first[k % len(first)],
                    last_name=last[k % len(last)] + ("" if k < len(last) else str(k)))
        user.set_unusable_password()
        user.save()
        practitioners.append(user)
    names = ["Martin", "Durand", "Petit", "Leroy", "Moreau", "Simon", "Laurent", "Michel", "Garcia", "David"]
    patients = []
    for i in range(args.patients):
        birth, surname = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randint(0, 30000)), rng.choice(names)
        patients.append(Patient(birth_name=surname, first_names=f"Patient{i}", sex=rng.choice("FM"), birth_date=birth,
                                search_names=fold(f"{surname} patient{i}"),
                                referring_practitioner=rng.choice(practitioners)))
    Patient.objects.bulk_create(patients, batch_size=5000)
    return practitioners, list(Patient.objects.all())


def timed(fn, runs: int) -> list[float]:
    fn()  # warm-up: first query plans, page cache
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def show(label: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    verdict = "OK" if p95 <= 200 else "OVER TARGET"
    return (f"  {label:<44} p50 {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   "
            f"max {samples[-1]:7.1f} ms   [{verdict}]")


def main() -> None:
    args = parse_args()
    command = " ".join([".venv/bin/python bench/billing_bench.py", *map(shlex.quote, sys.argv[1:])])
    temporary = not args.data_dir
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="intramuros-billing-bench-"))
    if data_dir.exists() and any(data_dir.iterdir()) and not temporary:
        sys.exit(f"{data_dir} is not empty: give a new or empty --data-dir")
    try:
        t0 = time.perf_counter()
        setup_django(data_dir)
        from django.db import connection

        from intramuros.billing import selectors, synthetic
        from intramuros.billing.models import DailyTotal, DayClosure, Invoice, InvoiceLine, Payment

        rng = random.Random(args.seed)
        practitioners, patients = make_people(args, rng)
        end = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)  # last complete month
        after = end + datetime.timedelta(days=1)
        start = after.replace(year=after.year - args.years)  # exactly `years` years of complete months
        init_s = time.perf_counter() - t0
        print(f"Generating {args.years} years ({start} to {end}) for {args.practitioners} practitioners, "
              f"{args.per_day} consultations a working day...", flush=True)

        def progress(month, counts):
            if month.month == 12:
                print(f"  up to {month:%Y-%m}: {counts['invoices']:,} invoices, {counts['payments']:,} payments",
                      flush=True)

        t1 = time.perf_counter()
        counts = synthetic.generate(practitioners=practitioners, patients=patients, start=start, end=end,
                                    per_day=args.per_day, rng=rng, actor=practitioners[0],
                                    working_ratio=220 / 261, close_until=end, progress=progress)
        gen_s = time.perf_counter() - t1
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        size_mb = sum(f.stat().st_size for f in Path(connection.settings_dict["NAME"]).parent.glob(
            Path(connection.settings_dict["NAME"]).name + "*")) / 1e6

        years = list(range(start.year, end.year + 1))
        months = [datetime.date(y, m, 1) for y in years for m in range(1, 13) if start <= datetime.date(y, m, 1) <= end]
        sample_months = [months[i] for i in sorted(rng.sample(range(len(months)), min(6, len(months))))]
        one = practitioners[0]
        month_all, month_one, year_all, year_one = [], [], [], []
        for m in sample_months:
            month_all += timed(lambda m=m: selectors.summary_month(year=m.year, month=m.month), args.runs)
            month_one += timed(lambda m=m: selectors.summary_month(year=m.year, month=m.month, practitioner=one),
                               args.runs)
        for y in years:
            year_all += timed(lambda y=y: selectors.summary_year(year=y), args.runs)
            year_one += timed(lambda y=y: selectors.summary_year(year=y, practitioner=one), args.runs)
        check = selectors.summary_year(year=years[-1])

        print()
        print("Billing summaries, encrypted embedded database (SQLCipher)")
        print(f"  command: {command}")
        print(f"  data: {Invoice.objects.count():,} invoices, {InvoiceLine.objects.count():,} lines, "
              f"{Payment.objects.count():,} payments, {DayClosure.objects.count():,} closed days, "
              f"{DailyTotal.objects.count():,} daily totals, "
              f"{len(patients):,} patients, {args.practitioners} practitioners; database {size_mb:,.0f} MB")
        print(f"  setup: init {init_s:.1f} s, generation {gen_s:.1f} s ({counts['invoices'] / gen_s:,.0f} invoices/s)")
        print(f"  {years[-1]}: {check.total.invoices:,} invoices, billed {check.total.invoiced:,} EUR, "
              f"collected {check.total.collected:,} EUR")
        print(f"  timings ({args.runs} runs each; months {', '.join(f'{m:%Y-%m}' for m in sample_months)}; "
              f"years {', '.join(map(str, years))}):")
        print(show("monthly summary, whole practice", month_all))
        print(show("monthly summary, one practitioner", month_one))
        print(show("yearly summary, whole practice", year_all))
        print(show("yearly summary, one practitioner", year_one))
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
