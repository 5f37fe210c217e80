"""How long the clinical part of the demo takes for N patients (default 300), on a fresh test database,
then the server time of the patient summary page (clinical:summary) over 200 requests.

    .venv/bin/python bench/clinical_demo.py [N]
    INTRAMUROS_DATABASE_URL=postgres://... .venv/bin/python bench/clinical_demo.py 300
"""

import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def main(count: int) -> None:
    # no setup_test_environment(): its template instrumentation would slow every page down
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    from faker import Faker

    from intramuros.clinical import demo
    from intramuros.clinical.models import Consultation, FormValue
    from intramuros.core.demo import DEMO_USERS, DemoContext, make_patients
    from intramuros.testing.personas import make_practice, make_user

    users = {u[0]: make_user(u[0], u[2], title=u[4], first=u[5], last=u[6], specialty=u[7]) for u in DEMO_USERS}
    fake = Faker("fr_FR")
    fake.seed_instance(2026)
    ctx = DemoContext(rng=random.Random(2026), fake=fake, practice=make_practice(), users=users)
    ctx.patients = make_patients(ctx, count)
    start = time.perf_counter()
    demo.populate(ctx)
    elapsed = time.perf_counter() - start
    print(f"clinical demo: {count} patients, {Consultation.objects.count()} consultations, "
          f"{FormValue.objects.count()} form values in {elapsed:.2f} s ({connection.vendor})")
    summary_timing(ctx)


def summary_timing(ctx, requests: int = 200) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(ctx.users["alice"])
    rng = random.Random(7)
    client.get(reverse("clinical:summary", kwargs={"patient_id": ctx.patients[0].pk}))
    times = []
    for _ in range(requests):
        url = reverse("clinical:summary", kwargs={"patient_id": rng.choice(ctx.patients).pk})
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    from intramuros.clinical.selectors import summary_for

    own = []
    for _ in range(requests):
        patient = rng.choice(ctx.patients)
        start = time.perf_counter()
        summary_for(patient)
        own.append((time.perf_counter() - start) * 1000)
    own.sort()
    print(f"summary selector alone: p50 {own[len(own) // 2]:.1f} ms, p95 {own[int(len(own) * 0.95)]:.1f} ms")
    print(f"summary page: p50 {times[len(times) // 2]:.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms "
          f"over {requests} requests (test client, DEBUG off)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
