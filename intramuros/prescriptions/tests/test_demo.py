"""The demo catalogue and prescriptions load."""

import random

from intramuros.prescriptions.models import Drug, Prescription, PrescriptionTemplate


def test_demo_populates_catalogue_and_prescriptions(dr_alice, dr_charlie, jeanne_martin, paul_durand, practice):
    from faker import Faker

    from intramuros.core.demo import DemoContext
    from intramuros.prescriptions import demo

    ctx = DemoContext(rng=random.Random(1), fake=Faker("fr_FR"), practice=practice,
                      users={"alice": dr_alice, "charlie": dr_charlie}, patients=[jeanne_martin, paul_durand])
    demo.populate(ctx)
    assert Drug.objects.count() == len(demo.CATALOGUE) >= 60
    assert Prescription.objects.filter(prescriber=dr_alice, patient=jeanne_martin, layout="ald").exists()
    assert Prescription.objects.filter(prescriber=dr_charlie, patient=paul_durand).exists()
    assert PrescriptionTemplate.objects.filter(owner=dr_alice).count() == len(demo.FAVOURITES)
