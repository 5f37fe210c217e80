"""What prescriptions read from and write to the patient's record (the clinical app).

The clinical app is built alongside; every access is guarded so that a missing piece (no pregnancy status
recorded, no treatment service yet) degrades to "nothing known" instead of breaking a prescription.
"""

from __future__ import annotations

import datetime
import importlib
import logging
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

logger = logging.getLogger(__name__)


def _clinical(module: str):
    try:
        return importlib.import_module(f"intramuros.clinical.{module}")
    except ImportError:
        return None


_READY: set[str] = set()


def _model(name: str):
    """A clinical model whose table exists (the app may be newer than this database), else None."""
    model = getattr(_clinical("models"), name, None)
    if model is None:
        return None
    table = model._meta.db_table
    if table not in _READY:
        from django.db import connection

        if table not in connection.introspection.table_names():
            return None
        _READY.add(table)
    return model


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


@dataclass(frozen=True)
class Allergy:
    substance: str
    severity: str = ""
    reaction: str = ""


@dataclass(frozen=True)
class CurrentTreatment:
    name: str
    dosage: str = ""
    source_ref: str = ""


@dataclass(frozen=True)
class Reproductive:
    pregnant: bool = False
    breastfeeding: bool = False
    detail: str = ""


def allergies(patient) -> list[Allergy]:
    model = _model("Allergy")
    if model is None:
        return []
    fields = [f for f in ("substance", "severity", "reaction") if _has_field(model, f)]
    # Sorted here rather than by the database: an ORDER BY costs more to build than the sort of a few rows.
    rows = sorted(model.objects.filter(patient=patient).order_by().values_list(*fields))
    return [Allergy(**dict(zip(fields, row, strict=True))) for row in rows]


def current_treatments(patient, *, on: datetime.date | None = None) -> list[CurrentTreatment]:
    model = _model("Treatment")
    if model is None:
        return []
    on = on or timezone.localdate()
    # Plain values, not model instances, sorted here (the checks run at every change in the editor); the
    # dates are compared as Treatment.is_current does.
    fields = [f for f in ("kind", "drug", "dosage", "source_ref", "start", "end") if _has_field(model, f)]
    rows = [dict(zip(fields, row, strict=True))
            for row in model.objects.filter(patient=patient).order_by().values_list(*fields)]
    rows.sort(key=lambda v: (v.get("kind", ""), v["drug"]))
    current = []
    for values in rows:
        values.pop("kind", None)
        start, end = values.pop("start", None), values.pop("end", None)
        if (start is None or start <= on) and (end is None or end >= on):
            current.append(CurrentTreatment(values.pop("drug"), **values))
    return current


def reproductive_status(patient) -> Reproductive:
    """Pregnancy / breast-feeding, when the record holds it (a selector of the clinical app, if any)."""
    selectors = _clinical("selectors")
    for name in ("pregnancy_status", "reproductive_status"):
        reader = getattr(selectors, name, None)
        if reader is None:
            continue
        try:
            status = reader(patient=patient)
        except TypeError:
            status = reader(patient)
        if status is None:
            return Reproductive()
        if isinstance(status, dict):
            return Reproductive(bool(status.get("pregnant")), bool(status.get("breastfeeding")),
                                str(status.get("detail", "")))
        return Reproductive(bool(getattr(status, "pregnant", False)), bool(getattr(status, "breastfeeding", False)),
                            str(getattr(status, "detail", "") or ""))
    for name in ("PregnancyStatus", "Pregnancy", "ReproductiveStatus"):
        model = _model(name)
        if model is None:
            continue
        row = model.objects.filter(patient=patient).order_by("-pk").first()
        if row is None:
            return Reproductive()
        return Reproductive(bool(getattr(row, "pregnant", getattr(row, "is_pregnant", False))),
                            bool(getattr(row, "breastfeeding", getattr(row, "is_breastfeeding", False))))
    return _pregnancy_from_followup(patient)


PREGNANCY_DAYS = 294  # 42 weeks after the last menstrual period: past that, the pregnancy is over


def _pregnancy_from_followup(patient) -> Reproductive:
    """The record holds no pregnancy status as such: a pregnancy follow-up form whose last menstrual period
    is less than 42 weeks old says the patient is pregnant."""
    model = _model("FormValue")
    if model is None or getattr(patient, "sex", "F") == "M":
        return Reproductive()
    lmp = (model.objects.filter(patient=patient, key="lmp", value_date__isnull=False,
                                version__definition__key="pregnancy_followup")
           .order_by("-value_date").values_list("value_date", flat=True).first())
    if lmp and 0 <= (timezone.localdate() - lmp).days <= PREGNANCY_DAYS:
        weeks = (timezone.localdate() - lmp).days // 7
        return Reproductive(pregnant=True, detail=f"{weeks} SA")
    return Reproductive()


def record_treatments(*, patient, prescriber, prescription, lines) -> int:
    """Add the drug lines of an issued prescription to the patient's current treatments.

    Uses the clinical app's service when it has one (treatment_add / treatment_create), else writes nothing:
    the record belongs to the clinical app, and its own rules (history, audit) apply there.
    """
    services = _clinical("services")
    service = getattr(services, "treatment_add", None) or getattr(services, "treatment_create", None)
    if service is None or _model("Treatment") is None:
        logger.info("clinical treatment service not available: current treatments not updated")
        return 0
    from intramuros.core.text import fold

    added = 0
    today = timezone.localdate()
    taking = {fold(t.name) for t in current_treatments(patient)}
    for line in lines:
        if line.kind != "drug" or fold(line.label) in taking:  # a renewal continues the same treatment
            continue
        end = None
        if line.duration and line.duration_unit:
            days = {"days": 1, "weeks": 7, "months": 30}[line.duration_unit] * int(line.duration)
            end = today + datetime.timedelta(days=days - 1)
        kwargs = dict(patient=patient, drug=line.label, dosage=line.dosage_text[:300],
                      kind="short_term" if end else "chronic", start=today, end=end, prescriber=prescriber,
                      source="prescriptions", source_ref=str(prescription.pk))
        try:
            service(actor=prescriber, **kwargs)
        except TypeError:
            try:
                service(user=prescriber, **kwargs)
            except TypeError as exc:
                logger.warning("clinical treatment service refused our arguments: %s", exc)
                return added
        added += 1
    return added
