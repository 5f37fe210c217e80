"""Billing: the fee schedule, invoices with gap-free numbers, payments, the day's takings.

Money is always `Decimal` with two places (DecimalField), never float.
Issued invoices (and credit notes) are immutable: only their settlement fields, kept up to date by
the payment and cancellation services, may change; every other change or a deletion raises.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")
# Above this an amount is taken for a typing error (no single act of a practice costs 10,000 EUR).
MAX_AMOUNT = Decimal("10000.00")


def cents(value) -> Decimal:
    """SQL sums come back as Decimal('30') on SQLite: always show and compare them with two places."""
    return (value if value is not None else ZERO).quantize(Decimal("0.01"))


def money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


class ImmutableRecordError(Exception):
    """Raised on an attempt to edit or delete an issued invoice, a line, or a payment of a closed day."""


class ActKind(models.TextChoices):
    NGAP = "ngap", _("NGAP")
    CCAM = "ccam", _("CCAM")
    FREE = "free", _("Free act")


class Act(models.Model):
    """One entry of the fee schedule: practice-wide (no practitioner) or a practitioner's own price."""

    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("practitioner"), null=True,
                                     blank=True, on_delete=models.CASCADE, related_name="billing_acts",
                                     help_text=_("Leave empty for the whole practice."))
    code = models.CharField(_("code"), max_length=20)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=ActKind.choices, default=ActKind.NGAP)
    price = money(verbose_name=_("price (EUR)"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("act")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(practitioner__isnull=True),
                                    name="billing_act_code_practice_unique"),
            models.UniqueConstraint(fields=["practitioner", "code"], condition=Q(practitioner__isnull=False),
                                    name="billing_act_code_practitioner_unique"),
            models.CheckConstraint(condition=Q(price__gte=0) & Q(price__lte=MAX_AMOUNT),
                                   name="billing_act_price_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.label} ({self.price} €)"


class InvoiceTemplate(models.Model):
    """A named bundle of acts billed together (e.g. consultation + child supplement)."""

    name = models.CharField(_("name"), max_length=120)
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("practitioner"), null=True,
                                     blank=True, on_delete=models.CASCADE, related_name="+",
                                     help_text=_("Leave empty for the whole practice."))
    codes = models.CharField(_("acts"), max_length=200,
                             help_text=_("Act codes joined by +, e.g. G+MEG; 2*G for twice the same act."))

    class Meta:
        verbose_name = _("invoice template")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.codes})"


class BillingProfile(models.Model):
    """The short code of a practitioner used in invoice numbers (2026-ALB-000123)."""

    practitioner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                        related_name="billing_profile")
    code = models.CharField(_("code in invoice numbers"), max_length=6, unique=True)

    def __str__(self) -> str:
        return self.code


class NumberCounter(models.Model):
    """Last number taken per practitioner and year, locked (select_for_update) by the issuing transaction."""

    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practitioner", "year"], name="billing_counter_unique")]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit", _("Credit note")


class ThirdParty(models.TextChoices):
    NONE = "", _("None")
    AMO = "amo", _("Assurance Maladie")
    AMC = "amc", _("Complementary insurer (mutuelle)")
    BOTH = "both", _("Assurance Maladie and mutuelle")


class InvoiceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if set(kwargs) - Invoice.MUTABLE_FIELDS:
            raise ImmutableRecordError("An issued invoice cannot be edited: cancel it with a credit note.")
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableRecordError("An issued invoice cannot be deleted: cancel it with a credit note.")


class Invoice(models.Model):
    """An issued invoice or credit note. Numbered once, in the issuing transaction; never edited."""

    MUTABLE_FIELDS = frozenset({"patient_paid", "third_party_paid", "settled", "cancelled"})

    kind = models.CharField(_("kind"), max_length=8, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.CharField(_("number"), max_length=24, unique=True)
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("practitioner"),
                                     on_delete=models.PROTECT, related_name="billing_invoices")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    patient = models.ForeignKey("patients.Patient", verbose_name=_("patient"), on_delete=models.PROTECT,
                                related_name="billing_invoices")
    date = models.DateField(_("date of care"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What was billed: a consultation of the clinical app, or anything else (generic, optional).
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    source_id = models.CharField(max_length=40, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    total = money(verbose_name=_("total"))
    patient_share = money(verbose_name=_("patient's share"))
    third_party_share = money(verbose_name=_("third-party share"), default=ZERO)
    third_party = models.CharField(_("third-party payer"), max_length=4, choices=ThirdParty.choices,
                                   blank=True, default="")
    cancels = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="credit_note", verbose_name=_("cancels invoice"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Settlement, kept up to date by the payment service (the only fields that may change).
    patient_paid = money(default=ZERO)
    third_party_paid = money(default=ZERO)
    settled = models.BooleanField(default=False)
    cancelled = models.BooleanField(default=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["practitioner", "year", "seq"], name="billing_invoice_seq_unique"),
            # Within a tenth of a cent: SQLite keeps decimals as binary floats (13.36 + 31.16 != 44.52 there).
            models.CheckConstraint(condition=Q(total__lte=models.F("patient_share") + models.F("third_party_share")
                                               + Decimal("0.001"))
                                   & Q(total__gte=models.F("patient_share") + models.F("third_party_share")
                                       - Decimal("0.001")),
                                   name="billing_invoice_shares_add_up"),
            # Credit notes carry positive amounts too: their kind says they are subtracted.
            models.CheckConstraint(condition=Q(patient_share__gte=0) & Q(third_party_share__gte=0)
                                   & Q(total__lte=MAX_AMOUNT), name="billing_invoice_amount_range"),
            models.CheckConstraint(condition=Q(patient_paid__lte=models.F("patient_share"))
                                   & Q(third_party_paid__lte=models.F("third_party_share")),
                                   name="billing_invoice_not_overpaid"),
        ]
        indexes = [
            models.Index(fields=["date", "kind", "practitioner", "total"], name="billing_inv_date_cover"),
            models.Index(fields=["settled", "cancelled", "kind"], name="billing_inv_unpaid"),
            models.Index(fields=["patient", "date"], name="billing_inv_patient"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def paid(self) -> Decimal:
        return self.patient_paid + self.third_party_paid

    @property
    def patient_due(self) -> Decimal:
        return self.patient_share - self.patient_paid

    @property
    def third_party_due(self) -> Decimal:
        return self.third_party_share - self.third_party_paid

    @property
    def due(self) -> Decimal:
        return self.patient_due + self.third_party_due

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - self.MUTABLE_FIELDS:
                raise ImmutableRecordError("An issued invoice cannot be edited: cancel it with a credit note.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("An issued invoice cannot be deleted: cancel it with a credit note.")


class InvoiceLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError("The lines of an issued invoice cannot be edited.")

    def delete(self):
        raise ImmutableRecordError("The lines of an issued invoice cannot be deleted.")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    act = models.ForeignKey(Act, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField(_("code"), max_length=20)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=ActKind.choices)
    unit_price = money(verbose_name=_("unit price"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    amount = money(verbose_name=_("amount"))

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["code"], name="billing_line_code")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.code}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError("The lines of an issued invoice cannot be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("The lines of an issued invoice cannot be deleted.")


class Payer(models.TextChoices):
    PATIENT = "patient", _("Patient")
    THIRD_PARTY = "third", _("Third-party payer")


class Method(models.TextChoices):
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Transfer")


class PaymentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError("A recorded payment cannot be edited.")

    def delete(self):
        raise ImmutableRecordError("A recorded payment cannot be deleted.")


class Payment(models.Model):
    """Money received for an invoice, counted in the takings of `day` (never a closed day)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="billing_payments")
    payer = models.CharField(_("paid by"), max_length=8, choices=Payer.choices, default=Payer.PATIENT)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    amount = money(verbose_name=_("amount"))
    cheque_number = models.CharField(_("cheque number"), max_length=30, blank=True)
    bank = models.CharField(_("bank"), max_length=80, blank=True)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    day = models.DateField(_("takings day"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(amount__lte=MAX_AMOUNT),
                                   name="billing_payment_amount_range"),
        ]
        indexes = [
            # Covering index: the takings and the summaries read only these columns.
            models.Index(fields=["day", "practitioner", "method", "amount"], name="billing_pay_day_cover"),
            models.Index(fields=["patient", "received_at"], name="billing_pay_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} € ({self.get_method_display()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError("A recorded payment cannot be edited.")
        if DayClosure.objects.filter(practitioner_id=self.practitioner_id, day=self.day,
                                     reopened_at__isnull=True).exists():
            raise ImmutableRecordError("The takings of this day are closed: the payment goes to an open day.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("A recorded payment cannot be deleted.")


class DayClosure(models.Model):
    """The closing of a practitioner's takings for a day; reopened only by an administrator (audited)."""

    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What the takings were when the day was closed, per method, as strings ("123.50").
    totals = models.JSONField(default=dict)
    count = models.PositiveIntegerField(default=0)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reopen_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practitioner", "day"], condition=Q(reopened_at__isnull=True),
                                    name="billing_one_open_closure"),
        ]
        indexes = [models.Index(fields=["practitioner", "day"], name="billing_closure_day")]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"


class DailyTotal(models.Model):
    """Running totals per practitioner, day and key ("invoice", "credit" or a payment method).

    Kept by the services in the same transaction as the invoice or payment they count, so the
    monthly and yearly summaries read a few thousand rows instead of every payment of the year.
    `billing_rebuild_totals` recomputes them from the invoices and payments if ever in doubt.
    """

    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    key = models.CharField(max_length=12)
    count = models.PositiveIntegerField(default=0)
    amount = money(default=ZERO)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practitioner", "day", "key"], name="billing_total_unique")]
        indexes = [models.Index(fields=["day", "key", "practitioner", "count", "amount"], name="billing_total_cover")]

    def __str__(self) -> str:
        return f"{self.day} {self.key}: {self.amount}"


class FollowUp(models.Model):
    """A note on an unpaid invoice: reminder sent, phone call, promise to pay, next date to look again."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="follow_ups")
    note = models.CharField(_("note"), max_length=500)
    remind_on = models.DateField(_("look again on"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.note
