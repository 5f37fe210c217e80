import random

import pytest
from django.utils import timezone
from faker import Faker

from intramuros.agenda import demo
from intramuros.agenda.models import Appointment, Series, Status
from intramuros.core.demo import DemoContext
from intramuros.core.models import Practice
from intramuros.testing.personas import make_patient

pytestmark = pytest.mark.django_db


def test_demo_fills_eight_weeks_with_series_and_a_live_waiting_room(dr_alice, dr_charlie, bob_secretary):
    patients = [make_patient(first_names=f"P{i}", nir="") for i in range(15)]
    ctx = DemoContext(rng=random.Random(1), fake=Faker("fr_FR"), practice=Practice.current(),
                      users={"alice": dr_alice, "charlie": dr_charlie, "bob": bob_secretary}, patients=patients)
    demo.populate(ctx)
    assert Appointment.objects.count() > 300
    assert Series.objects.count() == 2
    today = timezone.localdate()
    past = Appointment.objects.filter(end__lt=timezone.now())
    assert past.filter(status=Status.DONE).exists() and past.filter(status=Status.NO_SHOW).exists()
    assert Appointment.objects.filter(start__date__gt=today, status=Status.BOOKED).exists()
    # No generated double booking.
    for cal_id in {a.calendar_id for a in Appointment.objects.all()}:
        rows = list(Appointment.objects.filter(calendar_id=cal_id).exclude(status=Status.CANCELLED)
                    .order_by("start").values_list("start", "end"))
        assert all(b[0] >= a[1] for a, b in zip(rows, rows[1:], strict=False))
