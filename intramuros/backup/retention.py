"""Which archives to keep: the newest of each of the last 7 days, of the last 12 months, and of every year."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

DAILY, MONTHLY = 7, 12


def keep(times: Iterable[datetime.datetime], *, daily: int = DAILY, monthly: int = MONTHLY) -> set[datetime.datetime]:
    """Return the subset of `times` to keep; an archive is kept if any rule keeps it."""
    ordered = sorted(set(times), reverse=True)
    kept: set[datetime.datetime] = set()
    for period, limit in ((lambda t: t.date(), daily), (lambda t: (t.year, t.month), monthly),
                          (lambda t: t.year, None)):
        seen = []
        for t in ordered:  # newest first: the first seen of each period is that period's newest
            bucket = period(t)
            if bucket in seen:
                continue
            if limit is not None and len(seen) >= limit:
                break
            seen.append(bucket)
            kept.add(t)
    return kept
