"""Benchmark: the patient file's two hot pages on a generated practice, whole requests, server side.

Usage (after bench/generate.py built the practice; full size = 100,000 patients, 1,000,000 consultations):
    .venv/bin/python bench/patient_file.py --data-dir /tmp/practice [--runs 1000] [--seed 7]

Times, through Django's test client (the whole middleware stack, the real session, the access gate and its
durable audit row, the template), what a practitioner does all day:
- search as you type: the htmx partial `patients:search` with what the front desk types (growing surname
  prefixes, "NAME f", birth dates and years, phone pieces, NIR), drawn from the practice's own patients;
- the patient summary page `clinical:summary` of patients drawn at random among those with consultations.
Prints p50/p95/p99 of wall time and CPU time (time.process_time) per page, and the load average.
Targets (issue "The patient file"): search p95 <= 20 ms, summary p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def search_texts(rng: random.Random, patients: list[tuple], n: int) -> list[str]:
    from intramuros.core.text import fold

    out = []
    for _ in range(n):
        birth_name, used_name, first_names, birth_date, mobile, nir = rng.choice(patients)
        last, first = fold(used_name or birth_name), fold(first_names)
        kind = rng.choices(["prefix", "initial", "date", "year", "phone", "nir"], weights=[40, 20, 12, 8, 12, 8])[0]
        if kind == "prefix":
            out.append(last[:rng.randint(2, max(2, len(last)))])
        elif kind == "initial":
            out.append(f"{last.upper()} {first[:1]}")
        elif kind == "date":
            out.append(birth_date.strftime("%d/%m/%Y"))
        elif kind == "year":
            out.append(str(birth_date.year))
        elif kind == "phone" and mobile:
            out.append(mobile[:5])
        elif kind == "nir" and nir:
            out.append(nir[:7])
        else:
            out.append(last[:3])
    return out


def timed(fn, runs: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for i in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        response = fn(i)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"unexpected answer {response.status_code} on run {i}: the benchmark is not measuring a page")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="a practice made by bench/generate.py")
    parser.add_argument("--runs", type=int, default=1000, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--user", default="alice", help="the practitioner who searches and reads")
    args = parser.parse_args()

    os.environ["INTRAMUROS_DATA_DIR"] = args.data_dir
    os.environ.pop("INTRAMUROS_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
    os.environ["INTRAMUROS_HTTPS"] = "0"
    import django

    django.setup()
    from django.test import Client

    from intramuros.accounts.models import User
    from intramuros.clinical.models import Consultation
    from intramuros.patients.models import Patient

    rng = random.Random(args.seed)
    patient_count = Patient.objects.count()
    consultation_count = Consultation.objects.count()
    top = Patient.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = Patient.objects.filter(pk__in=[rng.randint(1, top) for _ in range(3 * args.runs)])
    patients = list(sample.values_list("birth_name", "used_name", "first_names", "birth_date", "phone_mobile", "nir"))
    with_consultations = list(Consultation.objects.filter(patient_id__in=sample.values("pk"))
                              .values_list("patient_id", flat=True).distinct())
    if not patients or not with_consultations:
        raise SystemExit(f"{args.data_dir} holds no generated patients with consultations: run bench/generate.py first")
    texts = search_texts(rng, patients, args.runs)
    summaries = [rng.choice(with_consultations) for _ in range(args.runs)]

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=args.user))
    pages = {
        "search (htmx partial)": lambda i: client.get("/patients/search/", {"q": texts[i]}, HTTP_HX_REQUEST="true"),
        "patient summary": lambda i: client.get(f"/clinical/p/{summaries[i]}/"),
    }
    targets = {"search (htmx partial)": 20, "patient summary": 50}
    print(f"{patient_count:,} patients, {consultation_count:,} consultations (sqlite, encrypted); "
          f"{args.runs} requests per page, as {args.user}")
    print(f"{'page':<24}{'wall p50':>9}{'p95':>8}{'p99':>8}{'cpu p50':>9}{'p95':>8}  target (wall p95)")
    for name, fn in pages.items():
        timed(fn, 20)  # warm-up: templates, URL resolver, caches
        wall, cpu = timed(fn, args.runs)
        p95 = percentile(wall, 95)
        verdict = "met" if p95 <= targets[name] else "MISSED"
        print(f"{name:<24}{statistics.median(wall):9.1f}{p95:8.1f}{percentile(wall, 99):8.1f}"
              f"{statistics.median(cpu):9.1f}{percentile(cpu, 95):8.1f}  <= {targets[name]} ms: {verdict}")
    load = os.getloadavg()
    print(f"load average: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores "
          "(wall times grow with other work on the machine; CPU time much less)")
    print("reproduce: .venv/bin/python bench/patient_file.py " + shlex.join(sys.argv[1:]))


if __name__ == "__main__":
    main()
