import random
from types import SimpleNamespace

from django.db.models import Max
from django.utils import timezone

from intramuros.billing import demo, selectors, services
from intramuros.billing.models import DayClosure, Invoice, InvoiceTemplate, Payment


def test_demo_bills_a_few_months_with_gap_free_numbers(fees, dr_alice, dr_charlie, jeanne_martin, paul_durand,
                                                      monkeypatch):
    monkeypatch.setattr(demo, "MONTHS", 2)
    monkeypatch.setattr(demo, "PER_DAY", 2)
    ctx = SimpleNamespace(rng=random.Random(3), practitioners=[dr_alice, dr_charlie],
                          patients=[jeanne_martin, paul_durand], today=timezone.localdate(),
                          users={"alice": dr_alice, "charlie": dr_charlie})
    demo.populate(ctx)
    assert InvoiceTemplate.objects.count() == 4 and Payment.objects.exists() and DayClosure.objects.exists()
    for practitioner in (dr_alice, dr_charlie):
        for year in Invoice.objects.filter(practitioner=practitioner).values_list("year", flat=True).distinct():
            seqs = selectors.invoice_numbers(practitioner=practitioner, year=year)
            assert seqs == list(range(1, len(seqs) + 1))
    # The desk carries on from where the demo stopped.
    year = timezone.localdate().year
    last = Invoice.objects.filter(practitioner=dr_alice, year=year).aggregate(m=Max("seq"))["m"] or 0
    new = services.invoice_issue(actor=dr_alice, patient=jeanne_martin, practitioner=dr_alice, codes="G")
    assert new.seq == last + 1
    # Every invoice's settlement matches its payments.
    for invoice in Invoice.objects.all()[:200]:
        assert invoice.paid == sum((p.amount for p in invoice.payments.all()), 0)
