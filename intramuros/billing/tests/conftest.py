import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from intramuros.billing import services
from intramuros.billing.models import Act


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source messages (the UI default is French)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def fees(db):
    """The shipped schedule is loaded by a migration; make sure the acts the tests use are there."""
    for code, label, price, kind in [("G", "Consultation", "30.00", "ngap"), ("MEG", "Majoration enfant", "5.00",
                                                                             "ngap"),
                                     ("CERT", "Certificat", "25.00", "free")]:
        Act.objects.update_or_create(practitioner=None, code=code,
                                     defaults={"label": label, "price": Decimal(price), "kind": kind})
    return Act.objects.all()


@pytest.fixture
def issue(fees, dr_alice, jeanne_martin):
    """issue(codes="G", **kwargs) -> a freshly issued invoice for Jeanne Martin with Dr Alice."""

    def _issue(codes="G", *, actor=None, patient=None, practitioner=None, **kwargs):
        return services.invoice_issue(actor=actor or dr_alice, patient=patient or jeanne_martin,
                                      practitioner=practitioner or dr_alice, codes=codes,
                                      date=kwargs.pop("date", datetime.date.today()), **kwargs)

    return _issue
