import datetime

import pytest

from intramuros.agenda.models import AppointmentType, OpeningHours
from intramuros.agenda.services import calendar_ensure
from intramuros.agenda.timeutil import make_local

TUESDAY = datetime.date(2027, 1, 12)  # an ordinary Tuesday, no public holiday around


def at(day: datetime.date, hh: int, mm: int = 0) -> datetime.datetime:
    return make_local(datetime.datetime.combine(day, datetime.time(hh, mm)))


@pytest.fixture
def alice_cal(dr_alice):
    cal = calendar_ensure(practitioner=dr_alice)
    for weekday in range(5):
        OpeningHours.objects.create(calendar=cal, weekday=weekday, start=datetime.time(8), end=datetime.time(12))
        OpeningHours.objects.create(calendar=cal, weekday=weekday, start=datetime.time(14), end=datetime.time(19))
    return cal


@pytest.fixture
def charlie_cal(dr_charlie):
    return calendar_ensure(practitioner=dr_charlie)


@pytest.fixture
def consult(dr_alice):
    t = AppointmentType.objects.create(name="Consultation", duration_minutes=20, colour="#336699",
                                       bookable_online=True)
    t.practitioners.add(dr_alice)
    return t



@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in their English source; test_translations checks the French."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
