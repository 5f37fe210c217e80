"""Every write of the billing app: keyword-only, one transaction each, audited.

Nothing is half-recorded: a failure anywhere rolls back the whole operation, the invoice number
included (so the sequence never has a gap).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.accounts.access import has_capability
from intramuros.billing import totals
from intramuros.billing.amounts import parse_amount
from intramuros.billing.fees import LineInput, lines_from_codes
from intramuros.billing.models import (
    MAX_AMOUNT,
    ZERO,
    Act,
    ActKind,
    DayClosure,
    FollowUp,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceTemplate,
    Method,
    Payer,
    Payment,
    ThirdParty,
    cents,
)
from intramuros.billing.numbering import take_number


def _require(actor, capability: str) -> None:
    """Services check too (not only views): the CLI and imports pass actor=None (the system)."""
    if actor is not None and not has_capability(actor, capability):
        raise PermissionDenied(_("You are not allowed to do this (%(capability)s).") % {"capability": capability})


def _care_date_from(source) -> datetime.date | None:
    for attr in ("date", "at", "start"):
        value = getattr(source, attr, None)
        if isinstance(value, datetime.datetime):
            return timezone.localdate(value) if timezone.is_aware(value) else value.date()
        if isinstance(value, datetime.date):
            return value
    return None


# ---------------------------------------------------------------------------------------------- invoices

@transaction.atomic
def invoice_issue(*, actor, patient=None, practitioner=None, date: datetime.date | None = None,
                  consultation=None, codes: str = "", lines: Sequence[LineInput] = (),
                  third_party: str = "", third_party_share=ZERO, payment: dict | None = None) -> Invoice:
    """Bill acts for a patient (or a consultation, which gives patient, practitioner and date).

    `codes` ("G+MEG") are priced from the fee schedule; `lines` adds free acts. The number is taken
    last, in this transaction. `payment` (method, amount, ...) records a payment at once.
    """
    _require(actor, "billing.record")
    if consultation is not None:
        patient = patient or consultation.patient
        practitioner = practitioner or consultation.practitioner
        date = date or _care_date_from(consultation)
        source_type = ContentType.objects.get_for_model(consultation)
        already = Invoice.objects.filter(source_type=source_type, source_id=str(consultation.pk),
                                         kind=InvoiceKind.INVOICE, cancelled=False).first()
        if already:
            raise ValidationError(_("This consultation is already billed on invoice %(number)s: cancel that "
                                    "invoice first to bill it again.") % {"number": already.number})
    if patient is None or practitioner is None:
        raise ValidationError(_("Say for which patient and which practitioner the acts are billed."))
    if not getattr(practitioner, "is_practitioner", False):
        raise ValidationError(_("%(name)s is not a practitioner: invoices are issued in a practitioner's "
                                "name.") % {"name": practitioner})
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise ValidationError(_("The date of care (%(date)s) is in the future: acts are billed once done.")
                              % {"date": date.strftime("%d/%m/%Y")})
    all_lines = list(lines_from_codes(codes, practitioner=practitioner)) + list(lines)
    if not all_lines:
        raise ValidationError(_("Nothing to bill: give at least one act code or a free act with its amount."))
    for line in all_lines:
        if line.quantity < 1 or line.quantity > 99:
            raise ValidationError(_("The quantity of %(code)s must be between 1 and 99.") % {"code": line.code})
        parse_amount(line.unit_price, allow_zero=line.kind == ActKind.FREE)
    total = sum((line.amount for line in all_lines), ZERO)
    if total <= 0:
        raise ValidationError(_("The invoice would be for 0 €: there is nothing to bill."))
    if total > MAX_AMOUNT:
        raise ValidationError(_("%(total)s € for one invoice is more than the %(max)s € allowed: check the "
                                "quantities and prices.") % {"total": total, "max": MAX_AMOUNT})
    share = parse_amount(third_party_share or "0", allow_zero=True)
    if share > total:
        raise ValidationError(_("The third-party share (%(share)s €) is larger than the invoice total "
                                "(%(total)s €).") % {"share": share, "total": total})
    if third_party not in ThirdParty.values:
        raise ValidationError(_("Unknown third-party payer “%(value)s”.") % {"value": third_party})
    if share > 0 and not third_party:
        raise ValidationError(_("Say which third-party payer (Assurance Maladie, mutuelle) pays the "
                                "%(share)s € expected.") % {"share": share})

    now = timezone.now()
    seq, number = take_number(practitioner=practitioner, year=timezone.localdate(now).year)
    invoice = Invoice.objects.create(
        kind=InvoiceKind.INVOICE, number=number, practitioner=practitioner, year=timezone.localdate(now).year,
        seq=seq, patient=patient, date=date, issued_at=now, issued_by=actor or practitioner,
        source_type=ContentType.objects.get_for_model(consultation) if consultation is not None else None,
        source_id=str(consultation.pk) if consultation is not None else "",
        total=total, patient_share=total - share, third_party_share=share,
        third_party=third_party if share > 0 else "", settled=False,
    )
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=invoice, act=line.act, code=line.code, label=line.label, kind=line.kind,
                    unit_price=line.unit_price, quantity=line.quantity, amount=line.amount)
        for line in all_lines
    ])
    totals.bump(practitioner_id=practitioner.pk, day=date, key=InvoiceKind.INVOICE, amount=total)
    audit.record(actor=actor, action="billing.invoice.issued", target=invoice, patient=patient,
                 number=number, total=str(total))
    if payment:
        payment_record(actor=actor, invoice=invoice, **payment)
        invoice.refresh_from_db()
    return invoice


@transaction.atomic
def invoice_cancel(*, actor, invoice: Invoice, reason: str) -> Invoice:
    """Cancel an issued invoice by a credit note (numbered in the same sequence, referencing it)."""
    _require(actor, "billing.record")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for cancelling: it is printed on the credit note."))
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE:
        raise ValidationError(_("A credit note cannot be cancelled: issue a new invoice instead."))
    if invoice.cancelled:
        raise ValidationError(_("Invoice %(number)s is already cancelled.") % {"number": invoice.number})
    if invoice.paid > 0:
        raise ValidationError(_("Invoice %(number)s has %(paid)s € of payments recorded: an invoice that was "
                                "paid cannot be cancelled here; issue a new invoice for the difference or ask "
                                "the accountant how to record the refund.")
                              % {"number": invoice.number, "paid": invoice.paid})
    now = timezone.now()
    year = timezone.localdate(now).year
    seq, number = take_number(practitioner=invoice.practitioner, year=year)
    credit = Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE, number=number, practitioner=invoice.practitioner, year=year, seq=seq,
        patient=invoice.patient, date=invoice.date, issued_at=now, issued_by=actor or invoice.practitioner,
        total=invoice.total, patient_share=invoice.patient_share, third_party_share=invoice.third_party_share,
        third_party=invoice.third_party, cancels=invoice, reason=reason[:300], settled=True,
    )
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=credit, act=line.act, code=line.code, label=line.label, kind=line.kind,
                    unit_price=line.unit_price, quantity=line.quantity, amount=line.amount)
        for line in invoice.lines.all()
    ])
    totals.bump(practitioner_id=invoice.practitioner_id, day=credit.date, key=InvoiceKind.CREDIT_NOTE,
                amount=credit.total)
    invoice.cancelled = True
    invoice.settled = True
    invoice.save(update_fields=["cancelled", "settled"])
    audit.record(actor=actor, action="billing.invoice.cancelled", target=invoice, patient=invoice.patient,
                 number=invoice.number, credit_note=number, reason=reason)
    return credit


# ---------------------------------------------------------------------------------------------- payments

def is_day_closed(*, practitioner, day: datetime.date) -> bool:
    return DayClosure.objects.filter(practitioner=practitioner, day=day, reopened_at__isnull=True).exists()


def takings_day_for(*, practitioner, day: datetime.date) -> datetime.date:
    """The first day from `day` whose takings are still open: money received after closing counts tomorrow."""
    closed = set(DayClosure.objects.filter(practitioner=practitioner, day__gte=day, reopened_at__isnull=True)
                 .values_list("day", flat=True))
    while day in closed:
        day += datetime.timedelta(days=1)
    return day


@transaction.atomic
def payment_record(*, actor, invoice: Invoice, amount, method: str, payer: str = Payer.PATIENT,
                   cheque_number: str = "", bank: str = "", reference: str = "",
                   received_at: datetime.datetime | None = None) -> Payment:
    """Record money received for an invoice; refuses more than what is still due from that payer."""
    _require(actor, "billing.record")
    amount = parse_amount(amount)
    if method not in Method.values:
        raise ValidationError(_("Choose how it was paid: cash, cheque, card or transfer."))
    if payer not in Payer.values:
        raise ValidationError(_("Say who paid: the patient or the third-party payer."))
    cheque_number, bank = (cheque_number or "").strip(), (bank or "").strip()
    if method == Method.CHEQUE and not (cheque_number and bank):
        raise ValidationError(_("For a cheque, write down its number and the bank."))
    # Lock the invoice: two payments recorded at once cannot both take the last euro due.
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE or invoice.cancelled:
        raise ValidationError(_("Invoice %(number)s is cancelled or is a credit note: no payment can be "
                                "recorded on it.") % {"number": invoice.number})
    due = invoice.patient_due if payer == Payer.PATIENT else invoice.third_party_due
    if amount > due:
        who = _("the patient") if payer == Payer.PATIENT else _("the third-party payer")
        raise ValidationError(_("The payment (%(amount)s €) is larger than what is still due from %(who)s on "
                                "invoice %(number)s (%(due)s €): record at most %(due)s €.")
                              % {"amount": amount, "who": who, "number": invoice.number, "due": due})
    received_at = received_at or timezone.now()
    day = takings_day_for(practitioner=invoice.practitioner, day=timezone.localdate(received_at))
    payment = Payment.objects.create(
        invoice=invoice, practitioner=invoice.practitioner, patient=invoice.patient, payer=payer, method=method,
        amount=amount, cheque_number=cheque_number if method == Method.CHEQUE else "",
        bank=bank if method == Method.CHEQUE else "", reference=(reference or "").strip()[:80],
        received_at=received_at, day=day, recorded_by=actor or invoice.practitioner,
    )
    totals.bump(practitioner_id=invoice.practitioner_id, day=day, key=method, amount=amount)
    if payer == Payer.PATIENT:
        invoice.patient_paid += amount
    else:
        invoice.third_party_paid += amount
    invoice.settled = invoice.due == 0
    invoice.save(update_fields=["patient_paid", "third_party_paid", "settled"])
    audit.record(actor=actor, action="billing.payment.recorded", target=payment, patient=invoice.patient,
                 invoice=invoice.number, amount=str(amount), method=method, payer=payer, day=day.isoformat())
    return payment


@transaction.atomic
def follow_up_add(*, actor, invoice: Invoice, note: str, remind_on: datetime.date | None = None) -> FollowUp:
    _require(actor, "billing.record")
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Write what was done or agreed (reminder sent, call, promise to pay)."))
    follow_up = FollowUp.objects.create(invoice=invoice, note=note[:500], remind_on=remind_on, author=actor)
    audit.record(actor=actor, action="billing.followup.added", target=invoice, patient=invoice.patient_id)
    return follow_up


# ---------------------------------------------------------------------------------------------- the day

def day_totals(*, practitioner, day: datetime.date) -> tuple[dict[str, Decimal], int]:
    rows = (Payment.objects.filter(practitioner=practitioner, day=day).values("method")
            .annotate(total=Sum("amount"), n=Count("id")))
    totals = {row["method"]: cents(row["total"]) for row in rows}
    return totals, sum(row["n"] for row in rows)


@transaction.atomic
def day_close(*, actor, practitioner, day: datetime.date) -> DayClosure:
    """Close a practitioner's takings for a day: its payments are frozen from then on."""
    _require(actor, "billing.record")
    if day > timezone.localdate():
        raise ValidationError(_("A day cannot be closed before it has come."))
    if is_day_closed(practitioner=practitioner, day=day):
        raise ValidationError(_("The takings of %(day)s are already closed.") % {"day": day.strftime("%d/%m/%Y")})
    by_method, count = day_totals(practitioner=practitioner, day=day)
    closure = DayClosure.objects.create(practitioner=practitioner, day=day, closed_by=actor or practitioner,
                                        totals={k: str(v) for k, v in by_method.items()}, count=count)
    audit.record(actor=actor, action="billing.day.closed", target=closure, day=day.isoformat(),
                 practitioner=practitioner.pk, totals=closure.totals, count=count)
    return closure


@transaction.atomic
def day_reopen(*, actor, practitioner, day: datetime.date, reason: str) -> DayClosure:
    """Only an administrator reopens a closed day, with a reason (audited and flagged)."""
    _require(actor, "billing.fees")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for reopening a closed day."))
    closure = (DayClosure.objects.select_for_update()
               .filter(practitioner=practitioner, day=day, reopened_at__isnull=True).first())
    if closure is None:
        raise ValidationError(_("The takings of %(day)s are not closed.") % {"day": day.strftime("%d/%m/%Y")})
    closure.reopened_at, closure.reopened_by, closure.reopen_reason = timezone.now(), actor, reason[:300]
    closure.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    audit.record(actor=actor, action="billing.day.reopened", target=closure, flagged=True, day=day.isoformat(),
                 practitioner=practitioner.pk, reason=reason)
    return closure


# ---------------------------------------------------------------------------------------------- fees

ACT_FIELDS = ("code", "label", "kind", "price", "active", "practitioner")


@transaction.atomic
def act_save(*, actor, act: Act | None = None, **fields) -> Act:
    """Create or change an act of the fee schedule (administrators only)."""
    _require(actor, "billing.fees")
    unknown = set(fields) - set(ACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown act fields {sorted(unknown)}")
    act = act or Act()
    before = {f: str(getattr(act, f, "")) for f in ("code", "label", "price", "active")} if act.pk else None
    for name, value in fields.items():
        setattr(act, name, value)
    act.code = (act.code or "").strip().upper()
    act.price = parse_amount(act.price, allow_zero=act.kind == ActKind.FREE)
    act.full_clean()
    act.save()
    audit.record(actor=actor, action="billing.fee.changed" if before else "billing.fee.created", target=act,
                 code=act.code, price=str(act.price), before=before)
    return act


@transaction.atomic
def invoice_template_save(*, actor, template: InvoiceTemplate | None = None, name: str, codes: str,
                          practitioner=None) -> InvoiceTemplate:
    _require(actor, "billing.fees")
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the template a name."))
    # Check every code exists now, so that a template never fails later at the desk.
    lines_from_codes(codes, practitioner=practitioner)
    template = template or InvoiceTemplate()
    template.name, template.codes, template.practitioner = name, "+".join(
        t.strip().upper() for t in codes.split("+")), practitioner
    template.save()
    audit.record(actor=actor, action="billing.template.saved", target=template, codes=template.codes)
    return template


def fee_import(*, actor, text: str, practitioner=None, apply: bool = False, skip_bad_rows: bool = False):
    """Import acts from CSV (dry run unless `apply`): see billing/importing.py for the format."""
    from intramuros.billing.importing import import_fees

    _require(actor, "billing.fees")
    return import_fees(actor=actor, text=text, practitioner=practitioner, apply=apply, skip_bad_rows=skip_bad_rows)
