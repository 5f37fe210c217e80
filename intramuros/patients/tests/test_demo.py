import random

from faker import Faker

from intramuros.core.demo import DemoContext, make_patients
from intramuros.patients import demo
from intramuros.patients.models import Correspondent, PatientCorrespondent


def test_demo_adds_correspondents_linked_to_patients(practice, dr_alice, dr_charlie):
    fake = Faker("fr_FR")
    fake.seed_instance(1)
    ctx = DemoContext(rng=random.Random(1), fake=fake, practice=practice,
                      users={"alice": dr_alice, "charlie": dr_charlie})
    ctx.patients = make_patients(ctx, 40)
    demo.populate(ctx)
    assert Correspondent.objects.count() == 15
    assert all(len(c.rpps) == 11 for c in Correspondent.objects.all())
    links = PatientCorrespondent.objects.all()
    assert links.exists()
    assert links.filter(role="treating").values("patient").distinct().count() == links.filter(role="treating").count()
    assert links.first().history.exists()
