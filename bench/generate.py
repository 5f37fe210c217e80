"""Build a synthetic practice of a chosen size into a data directory, fast and reproducibly.

Usage:
    .venv/bin/python bench/generate.py --data-dir /tmp/practice [--scale 0.1] [--seed 1]
        [--patients 100000 --consultations 1000000 --appointments 200000 --practitioners 10
         --prescriptions 300000 --payment-years 3] [--database-url postgres://...]

The data directory must be new or empty. It is initialised like `intramuros init`, the demo practice is
loaded (users, calendars, appointment types, drug catalogue, fee schedule, consultation forms: everything a
real practice has configured), more practitioners are added up to --practitioners, then the volume is
inserted in bulk (batches inside transactions, names drawn from pre-drawn Faker fr_FR pools, the patients'
folded search columns computed as Patient.save() would). Billing goes through billing.synthetic, which
keeps invoice numbering, settlement and the daily totals consistent; the totals are rebuilt once more at
the end. Bulk rows have no history rows (simple-history): that is what an imported practice looks like.

The sizes given are multiplied by --scale (0.01 for a one-minute run). Same seed, same practice.
Prints rows per second per table. Logins for bench/run.py: the demo users (alice, charlie, diane, bob,
passwords printed by `intramuros demo`) and dr4..drN with the password BENCH_PASSWORD below.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-practitioner-2026"
BATCH = 5000


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="data directory to create (new or empty)")
    p.add_argument("--database-url", help="generate into this PostgreSQL database instead of the embedded one "
                                          "(it is dropped and created afresh: a dedicated benchmark database)")
    p.add_argument("--patients", type=int, default=100_000)
    p.add_argument("--consultations", type=int, default=1_000_000)
    p.add_argument("--appointments", type=int, default=200_000)
    p.add_argument("--practitioners", type=int, default=10)
    p.add_argument("--prescriptions", type=int, default=300_000)
    p.add_argument("--payment-years", type=int, default=3)
    p.add_argument("--scale", type=float, default=1.0, help="multiplies every size (not practitioners)")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args(argv)


class Report:
    def __init__(self):
        self.rows: list[tuple[str, int, float]] = []

    def timed(self, table: str, fn):
        start = time.perf_counter()
        count = fn()
        elapsed = time.perf_counter() - start
        self.rows.append((table, count, elapsed))
        print(f"  {table:<28} {count:>10,} rows  {elapsed:7.1f} s  {count / max(elapsed, 1e-9):>9,.0f} rows/s",
              flush=True)
        return count


def setup(args) -> None:
    data_dir = Path(args.data_dir).resolve()
    if data_dir.exists() and any(data_dir.iterdir()):
        sys.exit(f"{data_dir} is not empty: give a new or empty --data-dir.")
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["INTRAMUROS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
    if args.database_url:
        from bench.lib.dbtools import pg_recreate

        pg_recreate(args.database_url)  # a dedicated benchmark database, dropped and created afresh
        os.environ["INTRAMUROS_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("INTRAMUROS_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("init", verbosity=0)


class Pools:
    """Names and places drawn once from Faker: drawing a million times from Faker itself would take minutes."""

    def __init__(self, seed: int):
        from faker import Faker

        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        self.last = [fake.last_name() for _ in range(3000)]
        self.female = [fake.first_name_female() for _ in range(800)]
        self.male = [fake.first_name_male() for _ in range(800)]
        self.cities = [(fake.city(), fake.postcode()) for _ in range(600)]
        self.streets = [fake.street_address() for _ in range(3000)]
        self.reasons = ["Fièvre", "Toux", "Renouvellement", "Douleur lombaire", "Contrôle tension", "Certificat",
                        "Céphalées", "Suivi diabète", "Vaccination", "Angine", "Gastro-entérite", "Fatigue",
                        "Douleur abdominale", "Bilan annuel", "Entorse cheville", "Otite", "Insomnie", "Eczéma"]
        self.exams = [fake.paragraph(nb_sentences=3) for _ in range(400)]
        self.conclusions = [fake.sentence(nb_words=8) for _ in range(400)]


def phone(rng: random.Random, mobile=True) -> str:
    first = rng.choice(["06", "07"]) if mobile else rng.choice(["01", "02", "03", "04", "05"])
    return " ".join([first] + [f"{rng.randint(0, 99):02d}" for _ in range(4)])


def bulk(model, rows_iter, total: int) -> int:
    """Insert in batches, one transaction per batch (a crash leaves whole batches, never half ones)."""
    from django.db import transaction

    done, batch = 0, []
    for row in rows_iter:
        batch.append(row)
        if len(batch) >= BATCH:
            with transaction.atomic():
                model.objects.bulk_create(batch)
            done += len(batch)
            batch = []
    if batch:
        with transaction.atomic():
            model.objects.bulk_create(batch)
        done += len(batch)
    return done


def add_practitioners(count: int) -> list:
    from intramuros.accounts.models import Role, User
    from intramuros.agenda.demo import _hours
    from intramuros.agenda.services import calendar_ensure

    existing = list(User.objects.filter(role=Role.PRACTITIONER).order_by("pk"))
    for k in range(len(existing) + 1, count + 1):
        user = User(username=f"dr{k}", role=Role.PRACTITIONER, title="Dr", first_name=f"Praticien{k}",
                    last_name=f"Banc{k}", specialty="Médecine générale")
        user.set_password(BENCH_PASSWORD)
        user.save()
        _hours(calendar_ensure(practitioner=user), saturday=False)
        existing.append(user)
    return existing[:count] if count else existing


def gen_patients(n, rng, pools, practitioner_ids, today):
    from intramuros.patients.models import Patient, search_columns

    for _ in range(n):
        sex = rng.choice("FM")
        first = rng.choice(pools.female if sex == "F" else pools.male)
        if rng.random() < 0.2:
            first += " " + rng.choice(pools.female if sex == "F" else pools.male)
        last = rng.choice(pools.last)
        birth = today - datetime.timedelta(days=rng.randint(0, 95 * 365))
        used = rng.choice(pools.last) if sex == "F" and rng.random() < 0.25 else ""
        mobile, home = phone(rng), (phone(rng, False) if rng.random() < 0.3 else "")
        city, postcode = rng.choice(pools.cities)
        yield Patient(birth_name=last, used_name=used, first_names=first, sex=sex, birth_date=birth,
                      address=rng.choice(pools.streets), postal_code=postcode, city=city, phone_mobile=mobile,
                      phone_home=home, referring_practitioner_id=rng.choice(practitioner_ids),
                      **search_columns(birth_name=last, used_name=used, first_names=first, phone_mobile=mobile,
                                       phone_home=home, birth_date=birth))


def _dec(value: float, places: int) -> Decimal:
    return Decimal(f"{value:.{places}f}")


def gen_consultations(n, rng, pools, patient_ids, practitioner_ids, now):
    from intramuros.clinical.models import Consultation

    ten_years = 10 * 365 * 86400
    for _ in range(n):
        at = now - datetime.timedelta(seconds=rng.randint(3600, ten_years))
        vitals = {}
        if rng.random() < 0.8:
            vitals = dict(weight_kg=_dec(rng.uniform(45, 110), 1), height_cm=_dec(rng.uniform(150, 195), 0),
                          systolic_mmhg=rng.randint(100, 165), diastolic_mmhg=rng.randint(60, 100),
                          heart_rate_bpm=rng.randint(55, 100))
            if rng.random() < 0.3:
                vitals.update(temperature_c=_dec(rng.uniform(36.2, 39.5), 1), spo2_pct=rng.randint(93, 100))
        yield Consultation(patient_id=rng.choice(patient_ids), practitioner_id=rng.choice(practitioner_ids), at=at,
                           created_at=at, reason=rng.choice(pools.reasons), examination=rng.choice(pools.exams),
                           conclusion=rng.choice(pools.conclusions), **vitals)


def gen_appointments(n, rng, calendars, types, patient_ids, today):
    """Back-to-back 20-minute slots (some left free) from 8:30, in the past and the next 6 weeks."""
    from django.utils import timezone

    from intramuros.agenda.models import Appointment, Status
    from intramuros.agenda.timeutil import make_local

    per_day = 18
    # Calendar days needed: weekdays only (x 7/5), about 10% of the slots left free (/ 0.9).
    days_needed = int(n / (per_day * 0.9 * len(calendars)) * 7 / 5) + 7
    future_days = min(42, days_needed // 3)
    day = today - datetime.timedelta(days=days_needed - future_days)
    now = timezone.now()
    made = 0
    while made < n:
        if day.weekday() < 5:
            for cal in calendars:
                cursor = datetime.datetime.combine(day, datetime.time(8, 30))
                for _ in range(per_day):
                    t = rng.choice(types)
                    start = make_local(cursor)
                    end = start + datetime.timedelta(minutes=20)
                    cursor += datetime.timedelta(minutes=20 if cursor.hour != 11 else 160)
                    if made >= n or rng.random() < 0.1:
                        continue
                    a = Appointment(calendar_id=cal.pk, patient_id=rng.choice(patient_ids), type_id=t.pk, start=start,
                                    end=end, created_by_id=cal.practitioner_id)
                    if end <= now:
                        a.status, a.arrived_at, a.done_at = Status.DONE, start, end
                    made += 1
                    yield a
        day += datetime.timedelta(days=1)
        if day > today + datetime.timedelta(days=3650):  # safety: never loops for ever on odd sizes
            break


def gen_prescriptions(n, rng, patient_ids, practitioner_ids, drugs, now):
    """Yields (prescription, lines) pairs; lines get their foreign key after the parent is inserted."""
    from intramuros.prescriptions.models import Prescription, PrescriptionLine

    for _ in range(n):
        issued = now - datetime.timedelta(seconds=rng.randint(3600, 5 * 365 * 86400))
        p = Prescription(patient_id=rng.choice(patient_ids), prescriber_id=rng.choice(practitioner_ids),
                         issued_at=issued, created_at=issued)
        lines = []
        for pos, drug in enumerate(rng.sample(drugs, rng.randint(1, min(3, len(drugs))))):
            lines.append(PrescriptionLine(position=pos, drug_id=drug[0], label=drug[1], quantity=Decimal("1"),
                                          unit="comprimé", frequency="day", frequency_count=rng.randint(1, 3),
                                          duration=rng.choice([5, 7, 10, 30]), duration_unit="days"))
        yield p, lines


def insert_prescriptions(pairs) -> tuple[int, int]:
    from django.db import transaction

    from intramuros.prescriptions.models import Prescription, PrescriptionLine

    count = lines_count = 0
    batch: list = []

    def flush():
        nonlocal count, lines_count
        with transaction.atomic():
            parents = Prescription.objects.bulk_create([p for p, _ in batch])
            lines = []
            for parent, (_, ls) in zip(parents, batch, strict=True):
                for line in ls:
                    line.prescription_id = parent.pk
                    lines.append(line)
            PrescriptionLine.objects.bulk_create(lines)
        count += len(batch)
        lines_count += len(lines)

    for pair in pairs:
        batch.append(pair)
        if len(batch) >= BATCH:
            flush()
            batch = []
    if batch:
        flush()
    return count, lines_count


def main(argv=None) -> None:
    args = parse_args(argv)
    size = {k: max(1, int(getattr(args, k) * args.scale))
            for k in ("patients", "consultations", "appointments", "prescriptions")}
    t_start = time.perf_counter()
    print(f"Initialising {args.data_dir} and loading the demo configuration...", flush=True)
    setup(args)

    from django.db import connection
    from django.utils import timezone

    from intramuros.agenda.models import AppointmentType, Calendar
    from intramuros.billing import synthetic, totals
    from intramuros.clinical.models import Consultation
    from intramuros.core.demo import demo_load
    from intramuros.patients.models import Patient
    from intramuros.prescriptions.models import Drug

    demo_load(patients=30, seed=args.seed)
    practitioners = add_practitioners(args.practitioners)
    practitioner_ids = [p.pk for p in practitioners]
    print(f"  configuration ready in {time.perf_counter() - t_start:.0f} s "
          f"({len(practitioners)} practitioners)", flush=True)

    rng = random.Random(args.seed)
    pools = Pools(args.seed)
    today, now = timezone.localdate(), timezone.now()
    report = Report()
    print("Inserting:", flush=True)
    report.timed("patients", lambda: bulk(Patient, gen_patients(size["patients"], rng, pools, practitioner_ids,
                                                                today), size["patients"]))
    patient_ids = list(Patient.objects.values_list("pk", flat=True))
    report.timed("consultations (vitals)", lambda: bulk(
        Consultation, gen_consultations(size["consultations"], rng, pools, patient_ids, practitioner_ids, now),
        size["consultations"]))
    calendars = list(Calendar.objects.filter(practitioner_id__in=practitioner_ids))
    types = list(AppointmentType.objects.filter(active=True)[:3])
    from intramuros.agenda.models import Appointment

    report.timed("appointments", lambda: bulk(
        Appointment, gen_appointments(size["appointments"], rng, calendars, types, patient_ids, today),
        size["appointments"]))
    drugs = list(Drug.objects.filter(withdrawn_at__isnull=True).values_list("pk", "name")[:200])
    lines_holder = {}

    def prescriptions():
        n, lines_holder["lines"] = insert_prescriptions(
            gen_prescriptions(size["prescriptions"], rng, patient_ids, practitioner_ids, drugs, now))
        return n

    report.timed("prescriptions (+ lines)", prescriptions)
    print(f"  {'prescription lines':<28} {lines_holder['lines']:>10,} rows")

    end = today - datetime.timedelta(days=1)
    start = end.replace(year=end.year - args.payment_years) + datetime.timedelta(days=1)
    per_day = max(1, round(25 * args.scale))
    counts = {}

    def billing():
        counts.update(synthetic.generate(
            practitioners=practitioners, patients=list(Patient.objects.all()[:5000]), start=start, end=end,
            per_day=per_day, rng=rng, actor=practitioners[0], close_until=end))
        return counts["invoices"]

    report.timed("invoices (+ lines, payments)", billing)
    print(f"  {'payments':<28} {counts.get('payments', 0):>10,} rows")
    report.timed("billing daily totals", lambda: totals.rebuild(start=None, end=None))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = sum(c for _, c, _ in report.rows)
    elapsed = time.perf_counter() - t_start
    print(f"Done: {total:,} rows in {elapsed:.0f} s ({connection.vendor}, data in {args.data_dir}).")


if __name__ == "__main__":
    main()
