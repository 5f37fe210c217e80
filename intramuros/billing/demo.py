"""Demo billing: invoice templates, four months of invoices and payments, past days closed."""

from __future__ import annotations

import datetime

from intramuros.billing import synthetic
from intramuros.billing.models import Act, InvoiceTemplate

MONTHS = 4  # of history before today
PER_DAY = 6  # consultations billed per practitioner and working day
TEMPLATES = [("Consultation", "G"), ("Consultation enfant < 6 ans", "G+MEG"), ("Visite à domicile", "VG+MD"),
             ("Consultation + ECG", "G+DEQP003")]


def populate(ctx) -> None:
    if not Act.objects.filter(practitioner__isnull=True).exists():
        return  # the shipped fee schedule was removed: nothing sensible to bill
    for name, codes in TEMPLATES:
        InvoiceTemplate.objects.get_or_create(name=name, practitioner=None, defaults={"codes": codes})
    practitioners = ctx.practitioners
    if not practitioners or not ctx.patients:
        return
    admin = next((u for u in ctx.users.values() if u.is_administrator), practitioners[0])
    start = ctx.today.replace(day=1)
    for _month in range(MONTHS - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    synthetic.generate(practitioners=practitioners, patients=ctx.patients, start=start, end=ctx.today - datetime.timedelta(days=1),
                       per_day=PER_DAY, rng=ctx.rng, actor=admin, close_until=ctx.today - datetime.timedelta(days=1))
