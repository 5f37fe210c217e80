"""Realistic billing history generated in bulk, for the demo practice and the benchmark.

It writes what the services would have written (numbers in sequence per practitioner and year,
settlement fields, closed days), but with bulk inserts and without one audit row per invoice: it is
for demonstration and measurement only, never for real data.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from intramuros.billing import totals
from intramuros.billing.fees import acts_for
from intramuros.billing.models import (
    ZERO,
    DayClosure,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Method,
    NumberCounter,
    Payer,
    Payment,
    ThirdParty,
)
from intramuros.billing.numbering import format_number, practitioner_code

# (codes, weight): what a general practice bills in a day.
MIX = [(("G",), 64), (("G", "MEG"), 12), (("VG", "MD"), 6), (("TCG",), 6), (("G", "DEQP003"), 6), (("CERT",), 6)]
METHODS = [(Method.CARD, 50), (Method.CHEQUE, 18), (Method.CASH, 22), (Method.TRANSFER, 10)]
CENT = Decimal("0.01")


def _pick(rng: random.Random, weighted):
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


def _working_days(start: datetime.date, end: datetime.date, rng: random.Random, ratio: float):
    day = start
    while day <= end:
        if day.weekday() < 5 and rng.random() < ratio:
            yield day
        day += datetime.timedelta(days=1)


def generate(*, practitioners, patients, start: datetime.date, end: datetime.date, per_day: int,
             rng: random.Random, actor, working_ratio: float = 0.85, close_until: datetime.date | None = None,
             batch: int = 5000, progress=None) -> dict[str, int]:
    """Bill `per_day` consultations a working day per practitioner between `start` and `end` (inclusive)."""
    counts = defaultdict(int)
    schedules = {p.pk: acts_for(p) for p in practitioners}
    codes = {p.pk: practitioner_code(p) for p in practitioners}
    last_seq: dict[tuple[int, int], int] = {
        (c.practitioner_id, c.year): c.last for c in NumberCounter.objects.filter(practitioner__in=practitioners)}
    tz = timezone.get_current_timezone()
    days = list(_working_days(start, end, rng, working_ratio))
    for month_start in sorted({d.replace(day=1) for d in days}):
        month_days = [d for d in days if d.replace(day=1) == month_start]
        with transaction.atomic():
            invoices, pending_lines, pending_payments = [], [], []
            for day in month_days:
                for practitioner in practitioners:
                    n = max(1, int(rng.gauss(per_day, per_day * 0.15)))
                    for k in range(n):
                        at = datetime.datetime.combine(day, datetime.time(8, 30), tz) + datetime.timedelta(
                            minutes=k * 20 + rng.randint(0, 10))
                        lines = [schedules[practitioner.pk][c] for c in _pick(rng, MIX)
                                 if c in schedules[practitioner.pk]]
                        if not lines:
                            continue
                        total = sum((a.price for a in lines), ZERO)
                        free = lines[0].code == "CERT"
                        third = ZERO if free or rng.random() < 0.45 else (total * Decimal("0.7")).quantize(CENT)
                        key = (practitioner.pk, day.year)
                        last_seq[key] = last_seq.get(key, 0) + 1
                        seq = last_seq[key]
                        patient = rng.choice(patients)
                        invoice = Invoice(
                            kind=InvoiceKind.INVOICE, number=format_number(day.year, codes[practitioner.pk], seq),
                            practitioner=practitioner, year=day.year, seq=seq, patient=patient, date=day,
                            issued_at=at, issued_by=actor or practitioner, total=total,
                            patient_share=total - third, third_party_share=third,
                            third_party=ThirdParty.AMO if third else "")
                        paid_now = rng.random() < 0.96
                        when = day + datetime.timedelta(days=rng.randint(2, 9))  # the insurer pays later
                        third_paid = third > 0 and rng.random() < 0.92 and when <= end
                        invoice.patient_paid = invoice.patient_share if paid_now else ZERO
                        invoice.third_party_paid = third if third_paid else ZERO
                        invoice.settled = invoice.due == 0
                        invoices.append(invoice)
                        pending_lines.append([(a, 1) for a in lines])
                        payments = []
                        if paid_now and invoice.patient_share > 0:
                            method = _pick(rng, METHODS)
                            payments.append(dict(payer=Payer.PATIENT, method=method, amount=invoice.patient_share,
                                                 received_at=at + datetime.timedelta(minutes=15), day=day,
                                                 cheque_number=str(rng.randint(1000000, 9999999))
                                                 if method == Method.CHEQUE else "",
                                                 bank=rng.choice(["Crédit Agricole", "BNP Paribas", "La Poste",
                                                                  "Société Générale", "CIC"])
                                                 if method == Method.CHEQUE else ""))
                        if third_paid:
                            payments.append(dict(payer=Payer.THIRD_PARTY, method=Method.TRANSFER, amount=third,
                                                 received_at=datetime.datetime.combine(when, datetime.time(10), tz),
                                                 day=when, reference=f"NOEMIE {rng.randint(10**7, 10**8 - 1)}"))
                        pending_payments.append(payments)
            Invoice.objects.bulk_create(invoices, batch_size=batch)
            if not invoices or invoices[0].pk is None:  # backends that do not return ids on bulk insert
                by_number = dict(Invoice.objects.filter(number__in=[i.number for i in invoices])
                                 .values_list("number", "pk"))
                for invoice in invoices:
                    invoice.pk = invoice.id = by_number[invoice.number]
            InvoiceLine.objects.bulk_create([
                InvoiceLine(invoice=inv, act=act, code=act.code, label=act.label, kind=act.kind,
                            unit_price=act.price, quantity=q, amount=act.price * q)
                for inv, lines in zip(invoices, pending_lines, strict=True) for act, q in lines
            ], batch_size=batch)
            payments = [Payment(invoice=inv, practitioner_id=inv.practitioner_id, patient_id=inv.patient_id,
                                recorded_by=actor or inv.practitioner, **p)
                        for inv, plist in zip(invoices, pending_payments, strict=True) for p in plist]
            Payment.objects.bulk_create(payments, batch_size=batch)
            counts["invoices"] += len(invoices)
            counts["lines"] += sum(len(x) for x in pending_lines)
            counts["payments"] += len(payments)
        if progress:
            progress(month_start, counts)
    for (practitioner_id, year), last in last_seq.items():
        updated = NumberCounter.objects.filter(practitioner_id=practitioner_id, year=year).update(last=last)
        if not updated:
            NumberCounter.objects.create(practitioner_id=practitioner_id, year=year, last=last)
    counts["daily_totals"] = totals.rebuild(start=start, end=end)
    if close_until:
        counts["closures"] = close_days(practitioners=practitioners, start=start, end=close_until, actor=actor)
    return dict(counts)


def close_days(*, practitioners, start: datetime.date, end: datetime.date, actor) -> int:
    """Close, in bulk, every day with payments in [start, end] (what the desk does each evening)."""
    from django.db.models import Count, Sum

    rows = (Payment.objects.filter(practitioner__in=practitioners, day__gte=start, day__lte=end)
            .values("practitioner", "day", "method").annotate(s=Sum("amount"), n=Count("id")).order_by())
    per: dict[tuple[int, datetime.date], dict] = defaultdict(lambda: {"totals": {}, "count": 0})
    for r in rows:
        entry = per[(r["practitioner"], r["day"])]
        entry["totals"][r["method"]] = str(r["s"])
        entry["count"] += r["n"]
    tz = timezone.get_current_timezone()
    closures = [DayClosure(practitioner_id=pk, day=day, closed_by=actor,
                           closed_at=datetime.datetime.combine(day, datetime.time(19), tz), **entry)
                for (pk, day), entry in per.items()]
    DayClosure.objects.bulk_create(closures, batch_size=5000, ignore_conflicts=True)
    return len(closures)
