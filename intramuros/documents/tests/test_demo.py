import random

import pytest
from faker import Faker

from intramuros.documents.models import InboxItem, Letter, Letterhead, PrintedDocument, UploadedDocument

pytestmark = pytest.mark.django_db


def test_demo_populates_letterhead_letters_documents_and_a_scan(practice, dr_alice, dr_charlie, jeanne_martin,
                                                                 paul_durand):
    from intramuros.core.demo import DemoContext
    from intramuros.documents import demo
    from intramuros.testing.personas import make_patient

    patients = [jeanne_martin, paul_durand] + [make_patient(birth_name=f"Demo{i}") for i in range(4)]
    ctx = DemoContext(rng=random.Random(1), fake=Faker("fr_FR"), practice=practice,
                      users={"alice": dr_alice, "charlie": dr_charlie}, patients=patients)
    demo.populate(ctx)
    assert Letterhead.objects.get(practitioner__isnull=True).logo_id
    assert Letter.objects.count() == 4
    assert PrintedDocument.objects.count() == 2
    assert UploadedDocument.objects.count() == 4
    assert InboxItem.objects.count() == 1
