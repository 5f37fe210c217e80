"""The running daily totals behind the summaries (see models.DailyTotal)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum

from intramuros.billing.models import ZERO, DailyTotal, Invoice, Payment


def bump(*, practitioner_id: int, day: datetime.date, key: str, amount: Decimal, count: int = 1) -> None:
    """Add to a day's total; must run in the transaction that writes the invoice or payment counted."""
    DailyTotal.objects.bulk_create([DailyTotal(practitioner_id=practitioner_id, day=day, key=key, count=0,
                                               amount=ZERO)], ignore_conflicts=True)
    DailyTotal.objects.filter(practitioner_id=practitioner_id, day=day, key=key).update(
        count=F("count") + count, amount=F("amount") + amount)


@transaction.atomic
def rebuild(*, start: datetime.date | None = None, end: datetime.date | None = None) -> int:
    """Recompute the totals of [start, end] (every day if not given) from the invoices and payments."""
    totals = DailyTotal.objects.all()
    payments, invoices = Payment.objects.all(), Invoice.objects.all()
    if start:
        totals, payments, invoices = totals.filter(day__gte=start), payments.filter(day__gte=start), \
            invoices.filter(date__gte=start)
    if end:
        totals, payments, invoices = totals.filter(day__lte=end), payments.filter(day__lte=end), \
            invoices.filter(date__lte=end)
    totals._raw_delete(totals.db)  # derived rows only: nothing of value is lost
    rows = [DailyTotal(practitioner_id=r["practitioner"], day=r["day"], key=r["method"], count=r["n"],
                       amount=r["s"])
            for r in payments.values("practitioner", "day", "method").annotate(s=Sum("amount"), n=Count("id"))
            .order_by()]
    rows += [DailyTotal(practitioner_id=r["practitioner"], day=r["date"], key=r["kind"], count=r["n"],
                        amount=r["s"])
             for r in invoices.values("practitioner", "date", "kind").annotate(s=Sum("total"), n=Count("id"))
             .order_by()]
    DailyTotal.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
