import datetime

import pytest


@pytest.mark.django_db
def test_demo_adds_records_consultations_pregnancies_and_growth(dr_alice, dr_charlie):
    import random

    from faker import Faker

    from intramuros.clinical import demo
    from intramuros.clinical.models import Allergy, Antecedent, Consultation, FormValue
    from intramuros.core.demo import DemoContext, make_patients
    from intramuros.core.models import Practice

    fake = Faker("fr_FR")
    fake.seed_instance(1)
    ctx = DemoContext(rng=random.Random(1), fake=fake, practice=Practice.current(),
                      users={"alice": dr_alice, "charlie": dr_charlie})
    ctx.patients = make_patients(ctx, 40)
    demo.populate(ctx)
    assert Consultation.objects.count() >= 80
    assert Antecedent.objects.exists() and Allergy.objects.exists()
    assert Consultation.history.count() == Consultation.objects.count()  # each with its first version
    children = [p for p in ctx.patients if (ctx.today - p.birth_date) < datetime.timedelta(days=5 * 365)]
    if children:
        assert FormValue.objects.filter(key="wfa_z").exists()
