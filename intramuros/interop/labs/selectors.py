"""Reads of lab results: the inbox, and a patient's results as a table across dates."""

from __future__ import annotations

from collections import OrderedDict

from intramuros.interop.models import LabMessage, LabMessageStatus, LabResult


def inbox(*, limit: int = 200):
    return (LabMessage.objects.filter(status=LabMessageStatus.TO_MATCH).select_related("proposed_patient")
            .order_by("received_at")[:limit])


def rejected(*, limit: int = 50):
    return LabMessage.objects.filter(status=LabMessageStatus.REJECTED).order_by("-received_at")[:limit]


def results_table(*, patient, max_dates: int = 12) -> dict:
    """Rows per test, columns per date (newest first), with the trend of the last two numeric values."""
    results = list(LabResult.objects.filter(patient=patient).order_by("-observed_at")[:2000])
    dates = list(OrderedDict.fromkeys(r.observed_at.date() for r in results))[:max_dates]
    rows: OrderedDict[str, dict] = OrderedDict()
    for r in sorted(results, key=lambda r: (r.label.lower(), r.observed_at)):
        key = f"{r.code_system}:{r.code}"
        row = rows.setdefault(key, {"label": r.label, "unit": r.unit, "range": r.reference_range, "cells": {},
                                    "numbers": []})
        row["cells"][r.observed_at.date()] = r
        if r.value_number is not None:
            row["numbers"].append(r.value_number)
    for row in rows.values():
        nums = row.pop("numbers")
        row["trend"] = "" if len(nums) < 2 else ("up" if nums[-1] > nums[-2] else "down" if nums[-1] < nums[-2]
                                                  else "same")
        row["values"] = [row["cells"].get(d) for d in dates]
    return {"dates": dates, "rows": list(rows.values())}
