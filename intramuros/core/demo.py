"""The demo practice: 3 practitioners, a secretary, a few hundred patients.

Core creates the practice, users and identities; every app that has a `demo.py` with
`populate(ctx)` then adds its part (history, appointments, prescriptions, payments...).
"""

from __future__ import annotations

import datetime
import importlib
import random
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from faker import Faker

from intramuros.accounts.models import Role, User
from intramuros.core.models import Practice
from intramuros.patients.models import Patient

# Demo logins, printed by `intramuros demo` and `make run`.
DEMO_USERS = [
    # username, password, role, practice admin, title, first, last, specialty
    ("alice", "demo-alice-stethoscope", Role.PRACTITIONER, True, "Dr", "Alice", "Bernard", "Médecine générale"),
    ("charlie", "demo-charlie-otoscope", Role.PRACTITIONER, False, "Dr", "Charles", "Lemaire", "Pédiatrie"),
    ("diane", "demo-diane-echographe", Role.PRACTITIONER, False, "Dr", "Diane", "Moreau",
     "Gynécologie-obstétrique"),
    ("bob", "demo-bob-secretariat", Role.SECRETARY, False, "", "Bob", "Garnier", ""),
]


@dataclass
class DemoContext:
    rng: random.Random
    fake: Faker
    practice: Practice
    users: dict[str, User]
    patients: list[Patient] = field(default_factory=list)
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def practitioners(self) -> list[User]:
        return [u for u in self.users.values() if u.is_practitioner]


def _phone(rng: random.Random, mobile: bool = True) -> str:
    first = rng.choice(["06", "07"]) if mobile else rng.choice(["01", "02", "03", "04", "05"])
    return " ".join([first] + [f"{rng.randint(0, 99):02d}" for _ in range(4)])


def _nir(rng: random.Random, sex: str, birth: datetime.date) -> str:
    dept = f"{rng.randint(1, 95):02d}"
    if dept == "20":
        dept = "21"
    body = f"{1 if sex == 'M' else 2}{birth:%y}{birth:%m}{dept}{rng.randint(1, 990):03d}{rng.randint(1, 999):03d}"
    key = 97 - int(body) % 97
    return f"{body}{key:02d}"


def make_patients(ctx: DemoContext, count: int) -> list[Patient]:
    rng, fake = ctx.rng, ctx.fake
    patients = []
    for _ in range(count):
        sex = rng.choice("FM")
        first = fake.first_name_female() if sex == "F" else fake.first_name_male()
        birth = ctx.today - datetime.timedelta(days=rng.randint(0, 95 * 365))
        last = fake.last_name()
        married = sex == "F" and (ctx.today - birth).days > 25 * 365 and rng.random() < 0.35
        patients.append(Patient(
            birth_name=last, used_name=fake.last_name() if married else "", first_names=first, sex=sex,
            birth_date=birth, birth_place=fake.city(), nir=_nir(rng, sex, birth), address=fake.street_address(),
            postal_code=fake.postcode(), city=fake.city(), phone_mobile=_phone(rng),
            phone_home=_phone(rng, mobile=False) if rng.random() < 0.3 else "",
            email=fake.email() if rng.random() < 0.6 else "",
            referring_practitioner=rng.choice(ctx.practitioners),
        ))
    for p in patients:  # save() fills the folded search columns
        p.save()
    return patients


@transaction.atomic
def demo_load(*, patients: int = 300, seed: int = 2026) -> DemoContext:
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    practice = Practice.current() or Practice.objects.create(
        name="Cabinet médical des Tilleuls", address="12 rue des Tilleuls\n67000 Strasbourg",
        phone="03 88 00 00 00", email="accueil@cabinet-tilleuls.local")
    users = {}
    for username, password, role, admin, title, first, last, specialty in DEMO_USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role, user.is_practice_admin, user.title = role, admin, title
        user.first_name, user.last_name, user.specialty = first, last, specialty
        if user.is_practitioner:
            user.rpps = f"10{rng.randint(0, 10**9 - 1):09d}"
            user.address = practice.address
            user.phone = practice.phone
        user.set_password(password)
        user.save()
        users[username] = user
    ctx = DemoContext(rng=rng, fake=fake, practice=practice, users=users)
    ctx.patients = make_patients(ctx, patients)
    for config in apps.get_app_configs():
        if config.name.startswith("intramuros.") and config.name != "intramuros.core":
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.populate(ctx)
    return ctx
