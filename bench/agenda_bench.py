"""Benchmark: the agenda's views on a synthetic practice (10 practitioners, 200,000 appointments), encrypted database.

Usage:
    .venv/bin/python bench/agenda_bench.py [--appointments 200000] [--practitioners 10] [--runs 60] [--data-dir DIR]
    .venv/bin/python bench/agenda_bench.py --data-dir DIR --reuse   (measure again what a run left in DIR)

It creates a fresh data directory (a temporary one unless --data-dir is given, which must be empty or absent;
--reuse measures again the practice an earlier run with --data-dir generated, in a few seconds instead of minutes),
runs `intramuros init` there (SQLCipher), generates practitioners, calendars, opening hours, types, 5,000 patients
and the appointments (bulk_create, spread over about four years around today), then measures the server time of
whole requests through Django's test client (middleware, session, query, template, audit row):
  - the week view of one practitioner, on random weeks;
  - the day view of all practitioners (the secretary's), on random days;
and the expansion of recurring events (recurring unavailability of every calendar) over a month.
Targets: p95 <= 50 ms for each view, <= 10 ms for the month's expansion.
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
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--practitioners", type=int, default=10)
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=60, help="timed requests per view")
    parser.add_argument("--data-dir", help="data directory to create (default: a temporary one, removed after)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure again the practice an earlier run left in --data-dir (no generation)")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def setup_django(data_dir: Path) -> None:
    os.environ["INTRAMUROS_DATA_DIR"] = str(data_dir)
    os.environ["INTRAMUROS_HTTPS"] = "0"
    os.environ.pop("INTRAMUROS_DATABASE_URL", None)  # the embedded, encrypted database is what is measured
    os.environ["DJANGO_SETTINGS_MODULE"] = "intramuros.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("init", verbosity=0)


def generate(args, rng: random.Random):
    from django.db import transaction

    from intramuros.accounts.models import Role, User
    from intramuros.agenda.models import Appointment, AppointmentType, OpeningHours, Unavailability
    from intramuros.agenda.services import calendar_ensure, unavailability_create
    from intramuros.agenda.timeutil import make_local
    from intramuros.core.models import Practice
    from intramuros.core.text import fold
    from intramuros.patients.models import Patient

    Practice.objects.get_or_create(name="Cabinet de mesure")
    secretary = User.objects.create(username="secretariat", role=Role.SECRETARY, first_name="Sec")
    practitioners = [User.objects.create(username=f"dr{i}", role=Role.PRACTITIONER, title="Dr", first_name=f"P{i}",
                                         last_name=f"Praticien{i}") for i in range(args.practitioners)]
    calendars = [calendar_ensure(practitioner=u) for u in practitioners]
    hours = []
    for cal in calendars:
        for weekday in range(5):
            hours += [OpeningHours(calendar=cal, weekday=weekday, start=datetime.time(8), end=datetime.time(12, 30)),
                      OpeningHours(calendar=cal, weekday=weekday, start=datetime.time(13, 30), end=datetime.time(19))]
    OpeningHours.objects.bulk_create(hours)
    types = [AppointmentType.objects.create(name=n, duration_minutes=d, colour=c) for n, d, c in
             [("Consultation", 20, "#2b6cb0"), ("Longue", 40, "#6b46c1"), ("Vaccin", 10, "#2f855a")]]
    patients = []
    for i in range(args.patients):
        last, first = f"Nom{i:05d}", f"Prénom{i % 97}"
        patients.append(Patient(birth_name=last, first_names=first, sex=rng.choice("FM"),
                                birth_date=datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randint(0, 30000)),
                                search_names=f"{fold(last)} {fold(first)}"))
    Patient.objects.bulk_create(patients, batch_size=2000)
    patient_ids = list(Patient.objects.values_list("pk", flat=True))
    # Recurring unavailability: what gets expanded on every view (weekly, every other week, monthly).
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday())
    for i, cal in enumerate(calendars):
        start = make_local(datetime.datetime.combine(monday - datetime.timedelta(weeks=8), datetime.time(12, 30)))
        unavailability_create(actor=None, calendar=cal, start=start, end=start + datetime.timedelta(hours=1),
                              reason="Pause", rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
        start2 = make_local(datetime.datetime.combine(monday + datetime.timedelta(days=i % 5), datetime.time(17)))
        unavailability_create(actor=None, calendar=cal, start=start2, end=start2 + datetime.timedelta(hours=2),
                              reason="Hôpital", rule="FREQ=WEEKLY;INTERVAL=2;COUNT=100")
        unavailability_create(actor=None, calendar=cal, start=start2, end=start2 + datetime.timedelta(hours=3),
                              reason="Réunion", rule="FREQ=MONTHLY;BYDAY=1TH")
    per_cal = args.appointments // len(calendars)
    slots_per_day = 27  # 20-minute slots from 8:00 (lunch skipped) minus some gaps
    days_needed = per_cal // slots_per_day + 1
    first_day = monday - datetime.timedelta(days=int(days_needed * 7 / 5) // 2)
    batch, created, t0 = [], 0, time.perf_counter()
    with transaction.atomic():
        for cal in calendars:
            day, count = first_day, 0
            while count < per_cal:
                if day.weekday() < 5:
                    cursor = datetime.datetime.combine(day, datetime.time(8))
                    for _slot in range(slots_per_day):
                        if count >= per_cal:
                            break
                        kind = types[0] if rng.random() < 0.8 else rng.choice(types)
                        start = make_local(cursor)
                        batch.append(Appointment(calendar=cal, patient_id=rng.choice(patient_ids), type=kind,
                                                 start=start, end=start + datetime.timedelta(minutes=kind.duration_minutes)))
                        cursor += datetime.timedelta(minutes=20)
                        if cursor.time() == datetime.time(12, 20):
                            cursor = datetime.datetime.combine(day, datetime.time(13, 40))
                        count += 1
                        if len(batch) >= 5000:
                            Appointment.objects.bulk_create(batch)
                            created += len(batch)
                            batch = []
                day += datetime.timedelta(days=1)
        Appointment.objects.bulk_create(batch)
        created += len(batch)
    assert Unavailability.objects.count() == 3 * len(calendars)
    return secretary, practitioners, calendars, first_day, day, created, time.perf_counter() - t0


def existing():
    """The practice an earlier run generated (same users and calendars as generate() returns)."""
    from django.db.models import Max, Min

    from intramuros.accounts.models import User
    from intramuros.agenda.models import Appointment, Calendar
    from intramuros.agenda.timeutil import to_local_naive

    secretary = User.objects.get(username="secretariat")
    practitioners = list(User.objects.filter(username__startswith="dr").order_by("pk"))
    calendars = [Calendar.objects.get(practitioner=u) for u in practitioners]
    bounds = Appointment.objects.aggregate(first=Min("start"), last=Max("start"))
    first_day, last_day = (to_local_naive(bounds[k]).date() for k in ("first", "last"))
    return secretary, practitioners, calendars, first_day, last_day + datetime.timedelta(days=1), 0, 0.0


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(func, args_list) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of func(arg) for each arg (CPU time is what load on the machine inflates
    least: on a busy shared machine the wall-clock figures also count the time spent waiting for a core)."""
    walls, cpus = [], []
    for arg in args_list:
        w, c = time.perf_counter(), time.process_time()
        func(arg)
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return walls, cpus


def time_requests(client, urls) -> tuple[list[float], list[float]]:
    for url in urls[:3]:  # warm-up: templates compiled, caches filled
        client.get(url)

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return timed(get, urls)


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="agenda-bench-"))
    if args.reuse and not (args.data_dir and data_dir.is_dir() and any(data_dir.iterdir())):
        print("--reuse needs --data-dir naming a directory filled by an earlier run with --data-dir.",
              file=sys.stderr)
        return 2
    if args.data_dir and not args.reuse and data_dir.exists() and any(data_dir.iterdir()):
        print(f"{data_dir} is not empty: give an empty or new directory, or add --reuse to measure it again.",
              file=sys.stderr)
        return 2
    try:
        setup_django(data_dir)
        from django.test import Client

        from intramuros.agenda.models import Appointment
        from intramuros.agenda.selectors import busy_between
        from intramuros.agenda.timeutil import day_bounds

        secretary, practitioners, calendars, first_day, last_day, created, gen_s = (
            existing() if args.reuse else generate(args, rng))
        done = "reused" if args.reuse else f"generated {created:,} appointments in {gen_s:.1f} s:"
        print(f"{done} {len(calendars)} practitioners ({first_day} to {last_day}); "
              f"total rows {Appointment.objects.count():,}")
        rng = random.Random(args.seed + 1)  # the same weeks and days measured, generated now or reused
        span = (last_day - first_day).days
        client = Client()
        client.force_login(practitioners[0])
        week_urls = [f"/agenda/week/?cal={calendars[0].pk}&date={first_day + datetime.timedelta(days=rng.randint(0, span))}"
                     for _ in range(args.runs)]
        week = time_requests(client, week_urls)
        client.force_login(secretary)
        day_urls = [f"/agenda/all/?date={first_day + datetime.timedelta(days=rng.randint(0, span))}"
                    for _ in range(args.runs)]
        all_day = time_requests(client, day_urls)
        baseline = time_requests(client, ["/agenda/types.css"] * args.runs)  # the same stack, almost no work
        cal_ids = [c.pk for c in calendars]
        months = []
        for _ in range(args.runs):
            first = first_day + datetime.timedelta(days=rng.randint(0, span - 31))
            start, _e = day_bounds(first)
            _s, end = day_bounds(first + datetime.timedelta(days=30))
            months.append((start, end))
        occurrences = len(busy_between(calendar_ids=cal_ids, start=months[0][0], end=months[0][1]))
        expansion = timed(lambda m: busy_between(calendar_ids=cal_ids, start=m[0], end=m[1]), months)
        print()
        print(f"load average of the machine during the run: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
        print(f"{'measure':<50}{'wall p50':>9}{'p95':>7}{'max':>7}{'cpu p50':>9}{'p95':>7}  target (p95)")
        for label, (walls, cpus), target in [
            ("baseline: trivial page through the same stack", baseline, None),
            ("week view, one practitioner (whole request)", week, 50),
            (f"day view, all {len(calendars)} practitioners (whole request)", all_day, 50),
            (f"expand recurring events, month, {len(cal_ids)} calendars", expansion, 10),
        ]:
            verdict = ""
            if target:
                verdict = f"<= {target}: wall {'ok' if percentile(walls, 95) <= target else 'MISSED'}, " \
                          f"cpu {'ok' if percentile(cpus, 95) <= target else 'MISSED'}"
            print(f"{label:<50}{statistics.median(walls):>9.1f}{percentile(walls, 95):>7.1f}{max(walls):>7.1f}"
                  f"{statistics.median(cpus):>9.1f}{percentile(cpus, 95):>7.1f}  {verdict}")
        print(f"({occurrences} unavailability occurrences in a month expanded; {args.runs} runs each; ms)")
        print()
        print("reproduce: " + " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/agenda_bench.py"]
                                           + sys.argv[1:]))
        return 0
    finally:
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
