import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from intramuros.audit.models import AuditEvent
from intramuros.billing import selectors, services
from intramuros.billing.models import DayClosure, ImmutableRecordError, Payment


def test_partial_payments_settle_the_invoice_when_complete(issue, bob_secretary):
    invoice = issue("G+MEG")
    services.payment_record(actor=bob_secretary, invoice=invoice, amount="20,00", method="cash")
    invoice.refresh_from_db()
    assert (invoice.patient_paid, invoice.due, invoice.settled) == (Decimal("20.00"), Decimal("15.00"), False)
    assert list(selectors.unpaid_invoices()) == [invoice]
    services.payment_record(actor=bob_secretary, invoice=invoice, amount=Decimal("15"), method="cheque",
                            cheque_number="1234567", bank="La Poste")
    invoice.refresh_from_db()
    assert invoice.settled and invoice.due == 0
    assert not selectors.unpaid_invoices().exists()
    assert AuditEvent.objects.filter(action="billing.payment.recorded", patient_id=invoice.patient_id).count() == 2


def test_payment_larger_than_what_is_due_is_refused(issue, bob_secretary):
    invoice = issue("G", third_party="amo", third_party_share="21.00")
    with pytest.raises(ValidationError, match="larger than what is still due from the patient"):
        services.payment_record(actor=bob_secretary, invoice=invoice, amount="9.01", method="card")
    services.payment_record(actor=bob_secretary, invoice=invoice, amount="9.00", method="card")
    with pytest.raises(ValidationError, match=r"\(0.00 €\)"):
        services.payment_record(actor=bob_secretary, invoice=invoice, amount="1", method="card")
    with pytest.raises(ValidationError, match="third-party payer"):
        services.payment_record(actor=bob_secretary, invoice=invoice, amount="30", method="transfer", payer="third")
    services.payment_record(actor=bob_secretary, invoice=invoice, amount="21", method="transfer", payer="third")
    invoice.refresh_from_db()
    assert invoice.settled and Payment.objects.count() == 2


@pytest.mark.parametrize("amount, message", [
    ("-5", "negative"), ("0", "more than zero"), ("abc", "not an amount"), ("12.345", "two decimals"),
    ("999999", "more than"), ("NaN", "not an amount"), ("Infinity", "not an amount"),
])
def test_bad_amounts_are_refused_with_a_clear_message(issue, bob_secretary, amount, message):
    invoice = issue("G")
    with pytest.raises(ValidationError, match=message):
        services.payment_record(actor=bob_secretary, invoice=invoice, amount=amount, method="cash")
    assert not Payment.objects.exists()


def test_float_amounts_are_a_programming_error(issue, bob_secretary):
    with pytest.raises(TypeError):
        services.payment_record(actor=bob_secretary, invoice=issue("G"), amount=30.0, method="cash")


def test_cheque_needs_number_and_bank(issue, bob_secretary):
    with pytest.raises(ValidationError, match="cheque"):
        services.payment_record(actor=bob_secretary, invoice=issue("G"), amount="30", method="cheque")


def test_no_payment_on_a_cancelled_invoice(issue, dr_alice):
    invoice = issue("G")
    services.invoice_cancel(actor=dr_alice, invoice=invoice, reason="doublon")
    with pytest.raises(ValidationError, match="cancelled"):
        services.payment_record(actor=dr_alice, invoice=invoice, amount="30", method="cash")


def test_payments_are_immutable(issue, bob_secretary):
    payment = services.payment_record(actor=bob_secretary, invoice=issue("G"), amount="30", method="cash")
    with pytest.raises(ImmutableRecordError):
        payment.save()
    with pytest.raises(ImmutableRecordError):
        payment.delete()
    with pytest.raises(ImmutableRecordError):
        Payment.objects.update(amount=Decimal("1"))


def test_closing_the_day_freezes_it_and_later_payments_count_tomorrow(issue, bob_secretary, dr_alice):
    today = timezone.localdate()
    first = issue("G")
    services.payment_record(actor=bob_secretary, invoice=first, amount="30", method="card")
    closure = services.day_close(actor=bob_secretary, practitioner=dr_alice, day=today)
    assert closure.totals == {"card": "30.00"} and closure.count == 1
    with pytest.raises(ValidationError, match="already closed"):
        services.day_close(actor=bob_secretary, practitioner=dr_alice, day=today)
    late = services.payment_record(actor=bob_secretary, invoice=issue("G"), amount="30", method="cash")
    assert late.day == today + datetime.timedelta(days=1)
    # Nothing may be slipped into a closed day, even below the services.
    with pytest.raises(ImmutableRecordError):
        Payment.objects.create(invoice=first, practitioner=dr_alice, patient=first.patient, method="cash",
                               amount=Decimal("1"), day=today, recorded_by=bob_secretary)
    takings = {t.practitioner: t for t in selectors.takings(day=today)}
    assert takings[dr_alice].closed and takings[dr_alice].totals.collected == Decimal("30.00")


def test_only_an_administrator_reopens_a_day_and_it_is_audited(issue, bob_secretary, dr_alice, admin_eve):
    today = timezone.localdate()
    services.day_close(actor=bob_secretary, practitioner=dr_alice, day=today)
    with pytest.raises(PermissionDenied):
        services.day_reopen(actor=bob_secretary, practitioner=dr_alice, day=today, reason="oubli")
    with pytest.raises(ValidationError, match="reason"):
        services.day_reopen(actor=admin_eve, practitioner=dr_alice, day=today, reason="")
    services.day_reopen(actor=admin_eve, practitioner=dr_alice, day=today, reason="chèque oublié")
    event = AuditEvent.objects.get(action="billing.day.reopened")
    assert event.flagged and event.detail["reason"] == "chèque oublié"
    payment = services.payment_record(actor=bob_secretary, invoice=issue("G"), amount="30", method="cheque",
                                      cheque_number="42", bank="CIC")
    assert payment.day == today
    assert services.day_close(actor=bob_secretary, practitioner=dr_alice, day=today).count == 1
    assert DayClosure.objects.filter(day=today).count() == 2  # the reopened one is kept as history


def test_a_future_day_cannot_be_closed(bob_secretary, dr_alice):
    with pytest.raises(ValidationError, match="before it has come"):
        services.day_close(actor=bob_secretary, practitioner=dr_alice,
                           day=timezone.localdate() + datetime.timedelta(days=1))


def test_follow_up_notes_on_unpaid_invoices(issue, bob_secretary):
    invoice = issue("G")
    remind = timezone.localdate()
    services.follow_up_add(actor=bob_secretary, invoice=invoice, note="Relance envoyée", remind_on=remind)
    assert [f.note for f in selectors.follow_ups_due(today=remind)] == ["Relance envoyée"]
    with pytest.raises(ValidationError):
        services.follow_up_add(actor=bob_secretary, invoice=invoice, note="  ")
