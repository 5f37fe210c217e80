"""Reads of the billing app: the day's takings, monthly and yearly summaries, unpaid invoices, exports.

The summaries group by day in SQL (over covering indexes) and fold days into months in Python:
no date function per row, the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import F, Sum

from intramuros.billing.models import (
    ZERO,
    DailyTotal,
    DayClosure,
    FollowUp,
    Invoice,
    InvoiceKind,
    Method,
    Payment,
    cents,
)

METHODS = list(Method.values)


def practitioners():
    from intramuros.accounts.models import Role

    return get_user_model().objects.filter(role__in=[Role.PRACTITIONER, Role.REPLACEMENT], is_active=True)


@dataclass
class Totals:
    by_method: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(METHODS, ZERO))
    payments: int = 0
    invoiced: Decimal = ZERO
    credited: Decimal = ZERO
    invoices: int = 0
    credit_notes: int = 0

    @property
    def collected(self) -> Decimal:
        return sum(self.by_method.values(), ZERO)

    @property
    def net_invoiced(self) -> Decimal:
        return self.invoiced - self.credited

    def method_list(self) -> list[tuple[str, Decimal]]:
        return [(label, self.by_method[value]) for value, label in Method.choices]


@dataclass
class Summary:
    title_date: datetime.date
    start: datetime.date
    end: datetime.date  # inclusive
    rows: list[tuple[datetime.date, Totals]]  # per day (month) or per month (year)
    per_practitioner: list[tuple[object, Totals]]
    total: Totals


def _payments(start, end, practitioner):
    qs = Payment.objects.filter(day__gte=start, day__lte=end)
    return qs.filter(practitioner=practitioner) if practitioner else qs


def _invoices(start, end, practitioner):
    qs = Invoice.objects.filter(date__gte=start, date__lte=end)
    return qs.filter(practitioner=practitioner) if practitioner else qs


def _add_payment(totals: Totals, method: str, amount: Decimal, n: int) -> None:
    amount = cents(amount)
    totals.by_method[method] = totals.by_method.get(method, ZERO) + amount
    totals.payments += n


def _add_invoice(totals: Totals, kind: str, amount: Decimal, n: int) -> None:
    amount = cents(amount)
    if kind == InvoiceKind.CREDIT_NOTE:
        totals.credited += amount
        totals.credit_notes += n
    else:
        totals.invoiced += amount
        totals.invoices += n


def _summary(start, end, practitioner, bucket) -> Summary:
    """Read the running daily totals (a few thousand rows a year), never every payment."""
    rows: dict[datetime.date, Totals] = defaultdict(Totals)
    per: dict[int, Totals] = defaultdict(Totals)
    total = Totals()
    qs = DailyTotal.objects.filter(day__gte=start, day__lte=end)
    if practitioner:
        qs = qs.filter(practitioner=practitioner)
    invoice_keys = {InvoiceKind.INVOICE.value, InvoiceKind.CREDIT_NOTE.value}

    def add(totals: Totals, key: str, amount, n) -> None:
        if key in invoice_keys:
            _add_invoice(totals, key, amount, n)
        else:
            _add_payment(totals, key, amount, n)

    for r in qs.values("day", "key").annotate(s=Sum("amount"), n=Sum("count")).order_by():
        add(rows[bucket(r["day"])], r["key"], r["s"], r["n"])
        add(total, r["key"], r["s"], r["n"])
    for r in qs.values("practitioner", "key").annotate(s=Sum("amount"), n=Sum("count")).order_by():
        add(per[r["practitioner"]], r["key"], r["s"], r["n"])
    users = get_user_model().objects.in_bulk(list(per))
    return Summary(
        title_date=start, start=start, end=end,
        rows=sorted(rows.items()),
        per_practitioner=sorted(((users[pk], t) for pk, t in per.items()), key=lambda x: str(x[0])),
        total=total,
    )


def summary_month(*, year: int, month: int, practitioner=None) -> Summary:
    start = datetime.date(year, month, 1)
    end = datetime.date(year, month, calendar.monthrange(year, month)[1])
    return _summary(start, end, practitioner, bucket=lambda d: d)


def summary_year(*, year: int, practitioner=None) -> Summary:
    return _summary(datetime.date(year, 1, 1), datetime.date(year, 12, 31), practitioner,
                    bucket=lambda d: d.replace(day=1))


@dataclass
class DayTakings:
    practitioner: object
    totals: Totals
    closure: DayClosure | None
    payments: list[Payment]

    @property
    def closed(self) -> bool:
        return self.closure is not None


def takings(*, day: datetime.date, practitioner=None) -> list[DayTakings]:
    """The day's takings per practitioner and method, with each practitioner's closing if done."""
    payments = (Payment.objects.filter(day=day).select_related("invoice", "practitioner")
                .order_by("practitioner_id", "received_at"))
    if practitioner:
        payments = payments.filter(practitioner=practitioner)
    closures = {c.practitioner_id: c for c in DayClosure.objects.filter(day=day, reopened_at__isnull=True)}
    people = list(practitioners()) if practitioner is None else [practitioner]
    grouped: dict[int, list[Payment]] = defaultdict(list)
    for p in payments:
        grouped[p.practitioner_id].append(p)
    result = []
    for person in people:
        totals = Totals()
        for p in grouped.get(person.pk, []):
            _add_payment(totals, p.method, p.amount, 1)
        result.append(DayTakings(person, totals, closures.get(person.pk), grouped.get(person.pk, [])))
    return result


def unpaid_invoices(*, practitioner=None, payer: str = ""):
    """Invoices with money still due, oldest first, with their latest follow-up note."""
    qs = (Invoice.objects.filter(kind=InvoiceKind.INVOICE, settled=False, cancelled=False)
          .select_related("patient", "practitioner").order_by("date", "number"))
    if practitioner:
        qs = qs.filter(practitioner=practitioner)
    if payer == "patient":
        qs = qs.exclude(patient_paid=F("patient_share"))
    elif payer == "third":
        qs = qs.exclude(third_party_paid=F("third_party_share"))
    return qs


def follow_ups_due(*, today: datetime.date):
    return FollowUp.objects.filter(remind_on__lte=today, invoice__settled=False,
                                   invoice__cancelled=False).select_related("invoice", "invoice__patient")


def patient_account(*, patient):
    invoices = (Invoice.objects.filter(patient=patient).select_related("practitioner", "cancels")
                .prefetch_related("payments", "lines").order_by("-date", "-issued_at"))
    due = invoices.filter(kind=InvoiceKind.INVOICE, cancelled=False).aggregate(
        share=Sum("patient_share"), paid=Sum("patient_paid"),
        third=Sum("third_party_share"), third_paid=Sum("third_party_paid"))
    patient_due = cents(due["share"]) - cents(due["paid"])
    third_due = cents(due["third"]) - cents(due["third_paid"])
    return invoices, patient_due, third_due


def payments_between(*, start: datetime.date, end: datetime.date, practitioner=None):
    return (_payments(start, end, practitioner).select_related("invoice", "practitioner")
            .order_by("day", "practitioner_id", "received_at"))


def invoices_between(*, start: datetime.date, end: datetime.date, practitioner=None):
    return (_invoices(start, end, practitioner).select_related("practitioner", "cancels")
            .order_by("date", "number"))


def invoice_numbers(*, practitioner, year: int) -> list[int]:
    return list(Invoice.objects.filter(practitioner=practitioner, year=year).order_by("seq")
                .values_list("seq", flat=True))


def unpaid_count() -> int:
    return Invoice.objects.filter(kind=InvoiceKind.INVOICE, settled=False, cancelled=False).count()


def open_days_before(*, practitioner, day: datetime.date) -> list[datetime.date]:
    """Days with payments that were never closed, before `day` (shown as a reminder)."""
    with_payments = set(Payment.objects.filter(practitioner=practitioner, day__lt=day,
                                               day__gte=day - datetime.timedelta(days=31))
                        .values_list("day", flat=True).distinct())
    closed = set(DayClosure.objects.filter(practitioner=practitioner, day__in=with_payments,
                                           reopened_at__isnull=True).values_list("day", flat=True))
    return sorted(with_payments - closed)

