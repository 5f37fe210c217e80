"""Reads of the medical record, shaped for the pages (a bounded number of queries per page)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from intramuros.agenda.models import Appointment, Status
from intramuros.clinical import formvalues
from intramuros.clinical.icd10 import icd10_labels
from intramuros.clinical.models import (
    Allergy,
    Antecedent,
    Consultation,
    Diagnosis,
    FormDefinition,
    FormValue,
    Problem,
    RiskFactor,
    Treatment,
    Vaccination,
)
from intramuros.core.prepared import Prepared

SEVERITY_ORDER = {value: rank for rank, value in enumerate(reversed(Allergy.Severity.values))}

# The summary's statements, compiled once (see core/prepared.py): it is the page opened most often.
_ALLERGIES = Prepared(lambda patient_id: Allergy.objects.filter(patient_id=patient_id).order_by("substance"))
_ANTECEDENTS = Prepared(lambda patient_id: Antecedent.objects.filter(patient_id=patient_id))
_ACTIVE_PROBLEMS = Prepared(lambda patient_id: Problem.objects.filter(patient_id=patient_id,
                                                                      status=Problem.Status.ACTIVE))
_RISK_FACTORS = Prepared(lambda patient_id: RiskFactor.objects.filter(patient_id=patient_id))
_CURRENT_TREATMENTS = Prepared(lambda patient_id, on: Treatment.objects.filter(patient_id=patient_id, start__lte=on)
                               .filter(Q(end__isnull=True) | Q(end__gte=on)).select_related("prescriber")
                               .order_by("kind", "drug"))
RECENT = 5  # consultations on the summary


def _latest(patient_id):
    """The patient's consultations, the latest first (a tie on the time broken by the id)."""
    return Consultation.objects.filter(patient_id=patient_id).order_by("-at", "-pk")


_RECENT_CONSULTATIONS = Prepared(lambda patient_id: _latest(patient_id).select_related("practitioner")[:RECENT])
_RECENT_DIAGNOSES = Prepared(lambda patient_id: Diagnosis.objects.filter(
    consultation_id__in=_latest(patient_id).values("pk")[:RECENT]))  # of the same consultations
_LAST_VITALS = Prepared(lambda patient_id: Consultation.objects.filter(patient_id=patient_id).filter(
    Q(weight_kg__isnull=False) | Q(systolic_mmhg__isnull=False)).order_by("-at")[:1])
_CONSULTATION = Prepared(lambda patient_id, pk: Consultation.objects.filter(pk=pk, patient_id=patient_id)
                         .select_related("practitioner", "form_version__definition")[:1])
_DIAGNOSES = Prepared(lambda consultation_id: Diagnosis.objects.filter(consultation_id=consultation_id))
_FORM_VALUES = Prepared(lambda consultation_id: FormValue.objects.filter(consultation_id=consultation_id))
_LAST_PERIOD = Prepared(lambda patient_id: FormValue.objects.filter(
    patient_id=patient_id, key="lmp", value_date__isnull=False, version__definition__key="pregnancy_followup")
    .order_by("-value_date").values_list("value_date", flat=True)[:1])
_NEXT_APPOINTMENT = Prepared(lambda patient_id, now: Appointment.objects.filter(
    patient_id=patient_id, start__gte=now, status__in=[Status.BOOKED, Status.ARRIVED, Status.IN_CONSULTATION])
    .select_related("calendar").order_by("start")[:1])


def allergies_for(patient) -> list[Allergy]:
    """Most severe first (life-threatening, severe, moderate, mild), then by substance.

    Kept on the patient object for the rest of the request: the alerts banner and the page share one query.
    """
    cached = getattr(patient, "_clinical_allergies", None)
    if cached is not None:
        return cached
    items = _ALLERGIES.list(patient_id=patient.pk)
    patient._clinical_allergies = sorted(items, key=lambda a: SEVERITY_ORDER.get(a.severity, 99))
    return patient._clinical_allergies


def current_treatments(patient, on: datetime.date | None = None) -> list[Treatment]:
    return _CURRENT_TREATMENTS.list(patient_id=patient.pk, on=on or timezone.localdate())


def next_appointment(patient):
    """The patient's next appointment (booked, or the patient is in the practice now), or None."""
    return _NEXT_APPOINTMENT.first(patient_id=patient.pk, now=timezone.now())


@dataclass
class Summary:
    allergies: list
    antecedents: dict  # category label -> items
    treatments: list
    problems: list
    risk_factors: list
    consultations: list
    last_vitals: Consultation | None
    next_appointment: object
    pregnancy: dict | None = None
    extra: dict = field(default_factory=dict)


def summary_for(patient) -> Summary:
    """Everything of the one-screen summary, in about eight queries whatever the size of the file."""
    antecedents: dict[str, list] = {}
    labels = dict(Antecedent.Category.choices)
    for item in _ANTECEDENTS.list(patient_id=patient.pk):
        antecedents.setdefault(labels.get(item.category, item.category), []).append(item)
    recent = _RECENT_CONSULTATIONS.list(patient_id=patient.pk)
    _attach_diagnoses(recent, _RECENT_DIAGNOSES.list(patient_id=patient.pk))
    vitals = next((c for c in recent if c.has_vitals), None)
    if vitals is None:
        vitals = _LAST_VITALS.first(patient_id=patient.pk)
    return Summary(
        allergies=allergies_for(patient), antecedents=antecedents, treatments=current_treatments(patient),
        problems=_ACTIVE_PROBLEMS.list(patient_id=patient.pk),
        risk_factors=_RISK_FACTORS.list(patient_id=patient.pk), consultations=recent, last_vitals=vitals,
        next_appointment=next_appointment(patient), pregnancy=pregnancy_status(patient=patient),
    )


def _attach_diagnoses(consultations: list[Consultation], diagnoses: list[Diagnosis] | None = None) -> None:
    """c.diagnosis_list on each consultation; `diagnoses` when the caller already read them."""
    by_consultation: dict[int, list] = {c.pk: [] for c in consultations}
    if by_consultation:
        if diagnoses is None:
            diagnoses = Diagnosis.objects.filter(consultation_id__in=by_consultation)
        for d in diagnoses:
            by_consultation[d.consultation_id].append(d)
    for c in consultations:
        c.diagnosis_list = by_consultation[c.pk]


def record_for(patient) -> dict:
    """The full record page: every section, current and past treatments apart."""
    today = timezone.localdate()
    treatments = list(Treatment.objects.filter(patient=patient).select_related("prescriber")
                      .order_by("-start"))
    antecedents = list(Antecedent.objects.filter(patient=patient))
    problems = list(Problem.objects.filter(patient=patient))
    labels = icd10_labels([i.icd10 for i in (*antecedents, *problems) if i.icd10])
    for item in (*antecedents, *problems):
        item.icd10_label = labels.get(item.icd10, "")
    return {
        "antecedents": [(value, label, [a for a in antecedents if a.category == value])
                        for value, label in Antecedent.Category.choices],
        "allergies": allergies_for(patient),
        "current_treatments": [t for t in treatments if t.is_current(today)],
        "past_treatments": [t for t in treatments if not t.is_current(today)],
        "problems": problems,
        "vaccinations": list(Vaccination.objects.filter(patient=patient)),
        "risk_factors": list(RiskFactor.objects.filter(patient=patient)),
    }


def consultations_for(patient, *, limit: int | None = None) -> list[Consultation]:
    qs = Consultation.objects.filter(patient=patient).select_related("practitioner", "form_version__definition")
    items = list(qs.order_by("-at")[:limit] if limit else qs.order_by("-at"))
    _attach_diagnoses(items)
    return items


def consultation_of(patient, pk: int) -> Consultation | None:
    """One consultation of the patient's file, its practitioner and form version with it (None if not theirs)."""
    return _CONSULTATION.first(patient_id=patient.pk, pk=pk)


def diagnoses_of(consultation: Consultation) -> list[Diagnosis]:
    return _DIAGNOSES.list(consultation_id=consultation.pk)


def form_values_of(consultation: Consultation) -> dict:
    """The consultation's form values, read with the schema of the version each was entered with."""
    if consultation.form_version is None:
        return {}
    schema = consultation.form_version.schema
    by_key = {f["key"]: f for f in schema["fields"]}
    values = {}
    for row in _FORM_VALUES.list(consultation_id=consultation.pk):
        fdef = by_key.get(row.key)
        if fdef is not None:
            values[row.key] = formvalues.read(fdef, row)
    return values


def form_display_of(consultation: Consultation) -> list:
    if consultation.form_version is None:
        return []
    return formvalues.rows_for_display(consultation.form_version.schema, form_values_of(consultation))


def offered_forms():
    return FormDefinition.objects.filter(active=True).order_by("title")


def deleted_items_for(patient) -> list:
    """Deleted items of the file, newest deletion first, for an administrator to restore."""
    from intramuros.clinical.services import RECORD_MODELS

    items = []
    for kind, model in {**RECORD_MODELS, "consultation": Consultation}.items():
        for item in model.all_objects.filter(patient=patient, deleted_at__isnull=False).select_related("deleted_by"):
            item.kind, item.kind_label = kind, model._meta.verbose_name
            items.append(item)
    items.sort(key=lambda i: i.deleted_at, reverse=True)
    return items


def vitals_series(patient, names: list[str]) -> dict[str, list[tuple[datetime.datetime, float]]]:
    """Measured vitals over time for the charts: name -> [(when, value)] oldest first."""
    rows = (Consultation.objects.filter(patient=patient).order_by("at")
            .values_list("at", *names))
    series: dict[str, list] = {n: [] for n in names}
    for row in rows:
        for name, value in zip(names, row[1:], strict=True):
            if value is not None:
                series[name].append((row[0], float(value)))
    return series


# Growth measures: the consultation's vitals, and the fields of the configurable forms with these keys.
GROWTH_SOURCES = {
    "wfa": ("weight_kg", {"weight"}),
    "lhfa": ("height_cm", {"height", "length"}),
    "hcfa": ("head_circumference_cm", {"head_circumference"}),
}


def growth_points(patient) -> dict[str, list[tuple[int, float]]]:
    """indicator -> [(age in days, value)], one point a day (a form value wins over a vital of the same day)."""
    if not patient.birth_date:
        return {}
    points: dict[str, dict[int, float]] = {ind: {} for ind in GROWTH_SOURCES}
    vital_names = [column for column, _keys in GROWTH_SOURCES.values()]
    for row in Consultation.objects.filter(patient=patient).values_list("at", *vital_names):
        age = (timezone.localtime(row[0]).date() - patient.birth_date).days
        for (indicator, _src), value in zip(GROWTH_SOURCES.items(), row[1:], strict=True):
            if value is not None:
                points[indicator][age] = float(value)
    keys = {key: ind for ind, (_c, ks) in GROWTH_SOURCES.items() for key in ks}
    rows = (FormValue.objects.filter(patient=patient, key__in=keys, value_number__isnull=False)
            .values_list("key", "value_number", "consultation__at"))
    for key, value, at in rows:
        points[keys[key]][(timezone.localtime(at).date() - patient.birth_date).days] = value
    return {ind: sorted(by_age.items()) for ind, by_age in points.items() if by_age}


def file_timeline(*, patient, user, kinds=None, since=None, until=None, limit: int = 200):
    """The patient timeline (intramuros.core.timeline.timeline_for).

    Until core's provider discovery skips modules without `entries` (it finds core/timeline.py itself),
    the same gathering is done here over the other apps' providers.
    """
    from intramuros.core import timeline as core_timeline

    try:
        return core_timeline.timeline_for(patient=patient, user=user, kinds=kinds, since=since, until=until,
                                          limit=limit)
    except AttributeError:
        pass
    wanted, collected = set(kinds or ()), []
    for provider in core_timeline._providers():
        if not hasattr(provider, "entries"):
            continue
        collected.extend(e for e in provider.entries(patient=patient, user=user)
                         if (not wanted or e.kind in wanted) and (not since or e.at >= since)
                         and (not until or e.at <= until))
    collected.sort(key=lambda e: e.at, reverse=True)
    return collected[:limit]


PREGNANCY_DAYS = 294  # 42 weeks of amenorrhoea: past that, the follow-up is of a pregnancy that has ended


def pregnancy_status(*, patient, on: datetime.date | None = None) -> dict | None:
    """{"pregnant": True, "weeks": .., "due_date": .., "detail": "12 SA + 3 j"} from the last pregnancy follow-up
    (its last menstrual period), or None when the record says nothing of a current pregnancy."""
    from intramuros.clinical import formschema

    if getattr(patient, "sex", "F") == "M":
        return None
    on = on or timezone.localdate()
    lmp = _LAST_PERIOD.first(patient_id=patient.pk)
    if lmp is None or not 0 <= (on - lmp).days <= PREGNANCY_DAYS:
        return None
    days = (on - lmp).days
    return {"pregnant": True, "breastfeeding": False, "weeks": days // 7, "due_date": formschema.due_date(lmp),
            "detail": formschema.format_gestational_age(days)}
