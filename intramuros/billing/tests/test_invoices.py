import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from intramuros.audit.models import AuditEvent
from intramuros.billing import services
from intramuros.billing.fees import LineInput
from intramuros.billing.models import ImmutableRecordError, Invoice, InvoiceKind, InvoiceLine, ThirdParty


def test_issue_prices_acts_from_the_schedule_and_numbers_per_practitioner_and_year(issue, dr_alice, jeanne_martin):
    invoice = issue("G+MEG")
    year = timezone.localdate().year
    assert invoice.number == f"{year}-ALB-000001"
    assert invoice.total == Decimal("35.00") and isinstance(invoice.total, Decimal)
    assert [(line.code, line.amount) for line in invoice.lines.all()] == [("G", Decimal("30.00")), ("MEG", Decimal("5.00"))]
    event = AuditEvent.objects.get(action="billing.invoice.issued")
    assert event.patient_id == jeanne_martin.pk and event.target_id == str(invoice.pk)


def test_practitioner_price_overrides_the_practice_price(issue, dr_alice):
    services.act_save(actor=dr_alice, code="G", label="Consultation", kind="ngap", price="32.50",
                      active=True, practitioner=dr_alice)
    assert issue("G").total == Decimal("32.50")


def test_each_practitioner_has_its_own_sequence(issue, dr_alice, dr_charlie):
    issue("G")
    issue("G")
    first_charlie = issue("G", practitioner=dr_charlie)
    assert first_charlie.seq == 1 and "-CHL-" in first_charlie.number


def test_third_party_share_splits_the_total(issue):
    invoice = issue("G", third_party=ThirdParty.AMO, third_party_share="21.00")
    assert (invoice.patient_share, invoice.third_party_share) == (Decimal("9.00"), Decimal("21.00"))


@pytest.mark.parametrize("kwargs, message", [
    ({"codes": "ZZZ"}, "Unknown"),
    ({"codes": ""}, "Nothing to bill"),
    ({"codes": "G", "third_party_share": "40", "third_party": "amo"}, "larger than the invoice total"),
    ({"codes": "G", "third_party_share": "-5", "third_party": "amo"}, "negative"),
    ({"codes": "G", "third_party_share": "10"}, "which third-party payer"),
    ({"codes": "", "lines": [LineInput(code="X", label="Acte", unit_price=Decimal("250000"))]}, "more than"),
    ({"codes": "G", "date": datetime.date.today() + datetime.timedelta(days=3)}, "future"),
])
def test_bad_invoice_input_is_refused_and_takes_no_number(issue, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        issue(**kwargs)
    assert not Invoice.objects.exists()
    assert issue("G").seq == 1  # no number was consumed by the failures


def test_a_failure_after_numbering_rolls_the_number_back(issue, monkeypatch):
    from intramuros.billing import services as billing_services

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(billing_services.audit, "record", boom)
    with pytest.raises(RuntimeError):
        issue("G")
    monkeypatch.undo()
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()
    assert issue("G").seq == 1


def test_issued_invoice_cannot_be_edited_or_deleted(issue):
    invoice = issue("G")
    invoice.total = Decimal("1.00")
    with pytest.raises(ImmutableRecordError):
        invoice.save()
    with pytest.raises(ImmutableRecordError):
        invoice.save(update_fields=["total"])
    with pytest.raises(ImmutableRecordError):
        invoice.delete()
    with pytest.raises(ImmutableRecordError):
        Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("1.00"))
    with pytest.raises(ImmutableRecordError):
        Invoice.objects.filter(pk=invoice.pk).delete()
    with pytest.raises(ImmutableRecordError):
        invoice.lines.first().delete()
    with pytest.raises(ImmutableRecordError):
        InvoiceLine.objects.filter(invoice=invoice).update(amount=Decimal("0"))
    invoice.refresh_from_db()
    assert invoice.total == Decimal("30.00")


def test_cancel_issues_a_credit_note_in_the_same_sequence(issue, dr_alice):
    invoice = issue("G+MEG")
    credit = services.invoice_cancel(actor=dr_alice, invoice=invoice, reason="Erreur de patient")
    invoice.refresh_from_db()
    assert credit.kind == InvoiceKind.CREDIT_NOTE and credit.cancels == invoice and credit.seq == 2
    assert credit.total == invoice.total and credit.lines.count() == 2
    assert invoice.cancelled and invoice.credit_note == credit
    with pytest.raises(ValidationError, match="already cancelled"):
        services.invoice_cancel(actor=dr_alice, invoice=invoice, reason="again")
    with pytest.raises(ValidationError, match="credit note cannot be cancelled"):
        services.invoice_cancel(actor=dr_alice, invoice=credit, reason="again")


def test_cancel_needs_a_reason_and_refuses_paid_invoices(issue, dr_alice):
    invoice = issue("G")
    with pytest.raises(ValidationError, match="reason"):
        services.invoice_cancel(actor=dr_alice, invoice=invoice, reason=" ")
    services.payment_record(actor=dr_alice, invoice=invoice, amount="10", method="cash")
    with pytest.raises(ValidationError, match="payments recorded"):
        services.invoice_cancel(actor=dr_alice, invoice=invoice, reason="erreur")


def test_a_consultation_is_billed_once_unless_cancelled(issue, dr_alice, jeanne_martin):
    consultation_model = getattr(pytest.importorskip("intramuros.clinical.models"), "Consultation", None)
    if consultation_model is None:
        pytest.skip("the clinical app records no consultations yet")
    consultation = consultation_model.objects.create(patient=jeanne_martin, practitioner=dr_alice)
    invoice = services.invoice_issue(actor=dr_alice, consultation=consultation, codes="G")
    assert (invoice.source, invoice.patient, invoice.practitioner) == (consultation, jeanne_martin, dr_alice)
    assert invoice.date == timezone.localdate(consultation.at)
    with pytest.raises(ValidationError, match="already billed"):
        services.invoice_issue(actor=dr_alice, consultation=consultation, codes="G")
    services.invoice_cancel(actor=dr_alice, invoice=invoice, reason="mauvais acte")
    again = services.invoice_issue(actor=dr_alice, consultation=consultation, codes="G+MEG")
    assert again.total == Decimal("35.00")


def test_admin_without_billing_record_cannot_issue(issue, admin_eve):
    with pytest.raises(PermissionDenied):
        issue("G", actor=admin_eve)
