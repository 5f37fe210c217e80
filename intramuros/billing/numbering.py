"""Gap-free invoice numbers: one counter row per practitioner and year, locked by the issuing transaction.

The number is taken inside the transaction that inserts the invoice: if anything fails afterwards,
the counter increment is rolled back with it, so no number is ever lost (no gap) and two
transactions can never take the same one (the row lock, or SQLite's IMMEDIATE transactions, serialise them;
the unique constraints on Invoice are the last line of defence).
"""

from __future__ import annotations

import re

from django.db import connection, transaction

from intramuros.billing.models import BillingProfile, NumberCounter
from intramuros.core.text import fold


def practitioner_code(practitioner) -> str:
    """ALB for Alice Bernard: two letters of the first name, one of the last; made unique with a digit."""
    profile = BillingProfile.objects.filter(practitioner=practitioner).first()
    if profile:
        return profile.code
    letters = re.sub(r"[^a-z]", "", fold(practitioner.first_name))[:2] + \
        re.sub(r"[^a-z]", "", fold(practitioner.last_name))[:1]
    if len(letters) < 3:
        letters = (letters + re.sub(r"[^a-z]", "", fold(practitioner.username)))[:3] or "dr"
    base = letters.upper()
    candidate, n = base, 2
    while BillingProfile.objects.filter(code=candidate).exists():
        candidate, n = f"{base}{n}", n + 1
    BillingProfile.objects.create(practitioner=practitioner, code=candidate)
    return candidate


def format_number(year: int, code: str, seq: int) -> str:
    return f"{year}-{code}-{seq:06d}"


def take_number(*, practitioner, year: int) -> tuple[int, str]:
    """The next number of the practitioner's sequence for `year`; must run inside the issuing transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("take_number() must run inside the transaction that saves the invoice")
    # Create the counter if needed without racing: a concurrent creator makes this a no-op.
    NumberCounter.objects.bulk_create([NumberCounter(practitioner=practitioner, year=year, last=0)],
                                      ignore_conflicts=True)
    with transaction.atomic():
        counter = NumberCounter.objects.select_for_update().get(practitioner=practitioner, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    code = practitioner_code(practitioner)
    return counter.last, format_number(year, code, counter.last)
