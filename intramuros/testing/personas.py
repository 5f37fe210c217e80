"""Named personas used across the test suite."""

from __future__ import annotations

import datetime

from intramuros.accounts.models import User
from intramuros.core.models import Practice
from intramuros.patients.models import Patient

PASSWORD = "correct-horse-battery-staple-42"


def make_practice() -> Practice:
    return Practice.current() or Practice.objects.create(name="Cabinet des Tilleuls", address="12 rue des Tilleuls")


def make_user(username: str, role: str, *, admin: bool = False, title: str = "", first: str = "", last: str = "",
              **extra) -> User:
    make_practice()
    user = User(username=username, role=role, is_practice_admin=admin, title=title, first_name=first,
                last_name=last, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_patient(**fields) -> Patient:
    defaults = dict(birth_name="Martin", first_names="Jeanne", sex="F", birth_date=datetime.date(1975, 3, 14),
                    nir="275037510812303", phone_mobile="06 12 34 56 78", city="Strasbourg")
    defaults.update(fields)
    patient = Patient(**defaults)
    patient.save()
    return patient
