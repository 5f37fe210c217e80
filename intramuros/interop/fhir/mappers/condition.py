"""Condition <-> problems ("problem-N"), antecedents ("antecedent-N") and consultation diagnoses ("diagnosis-N")."""

from __future__ import annotations

from intramuros.clinical.models import Antecedent, Consultation, Diagnosis, Problem
from intramuros.interop.fhir.mappers.clinical_common import (
    common_in,
    common_out,
    patient_from,
    patient_ref,
    save_checked,
)
from intramuros.interop.fhir.mappers.common import ICD10, concept_text
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, is_id_number, ref_id, register

CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
ANTECEDENT = "urn:intramuros:antecedent"


def _code(label: str, icd10: str) -> dict:
    code = {"text": label}
    if icd10:
        code["coding"] = [{"system": ICD10, "code": icd10}]
    return code


def _label_icd(data: dict) -> tuple[str, str]:
    code = data.get("code") or {}
    icd = next((c.get("code", "") for c in code.get("coding") or [] if c.get("system") == ICD10), "")
    return concept_text(code), icd


def _patient_search(qs, value):
    return qs.filter(patient_id=ref_id(value if "/" in value else f"Patient/{value}", "Patient"))


# --- problems ---
def problem_out(p: Problem) -> dict:
    data = {"resourceType": "Condition", "id": PROBLEMS.fhir_id(p.pk), "subject": patient_ref(p),
            "category": [{"coding": [{"system": CATEGORY, "code": "problem-list-item"}]}],
            "clinicalStatus": {"coding": [{"system": CLINICAL, "code": p.status}]}, "code": _code(p.label, p.icd10)}
    if p.since:
        data["onsetDateTime"] = p.since.isoformat()
    return common_out(p, data)


def problem_in(data, *, actor, existing=None, keep_id=False):
    label, icd = _label_icd(data)
    status = ((data.get("clinicalStatus") or {}).get("coding") or [{}])[0].get("code", "active")
    obj = Problem(patient=patient_from(data, "subject"), label=label, icd10=icd,
                  status=status if status in Problem.Status.values else "active",
                  since=(data.get("onsetDateTime") or None))
    common_in(obj, data, resource=PROBLEMS, keep_id=keep_id)
    return save_checked(obj)


# --- antecedents ---
def _year(data: dict) -> int | None:
    if is_id_number(str(data.get("onsetString", ""))):
        return int(data["onsetString"])
    onset = str(data.get("onsetDateTime", ""))[:4]  # from another software: the year of a full date
    return int(onset) if is_id_number(onset) else None


def _foreign_kind(data: dict) -> str:
    """Which of our record types a Condition from another software becomes (see docs/interop.md)."""
    codes = {c.get("code") for cat in data.get("category") or [] for c in cat.get("coding") or []}
    if "encounter-diagnosis" in codes and data.get("encounter"):
        return "diagnosis"
    status = ((data.get("clinicalStatus") or {}).get("coding") or [{}])[0].get("code")
    return "problem" if status in ("active", "recurrence", "relapse") else "antecedent"



def antecedent_out(a: Antecedent) -> dict:
    ext = [{"url": f"{ANTECEDENT}#category", "valueCode": a.category}]
    for field in ("relative", "lifestyle"):
        if getattr(a, field):
            ext.append({"url": f"{ANTECEDENT}#{field}", "valueString": getattr(a, field)})
    if a.pack_years is not None:
        ext.append({"url": f"{ANTECEDENT}#pack_years", "valueDecimal": float(a.pack_years)})
    if a.alcohol_units_per_week is not None:
        ext.append({"url": f"{ANTECEDENT}#alcohol_units_per_week", "valueInteger": a.alcohol_units_per_week})
    data = {"resourceType": "Condition", "id": ANTECEDENTS.fhir_id(a.pk), "subject": patient_ref(a),
            "category": [{"coding": [{"system": CATEGORY, "code": "problem-list-item"}], "text": "antecedent"}],
            "code": _code(a.label, a.icd10), "extension": ext}
    if a.year:
        data["onsetString"] = str(a.year)
    return common_out(a, data)


def antecedent_in(data, *, actor, existing=None, keep_id=False):
    label, icd = _label_icd(data)
    ext = {e.get("url", "").partition("#")[2]: e for e in data.get("extension") or []
           if e.get("url", "").startswith(ANTECEDENT)}
    obj = Antecedent(patient=patient_from(data, "subject"), label=label, icd10=icd,
                     category=(ext.get("category") or {}).get("valueCode", "medical"),
                     relative=(ext.get("relative") or {}).get("valueString", ""),
                     lifestyle=(ext.get("lifestyle") or {}).get("valueString", ""),
                     pack_years=(ext.get("pack_years") or {}).get("valueDecimal"),
                     alcohol_units_per_week=(ext.get("alcohol_units_per_week") or {}).get("valueInteger"),
                     year=_year(data))
    common_in(obj, data, resource=ANTECEDENTS, keep_id=keep_id)
    return save_checked(obj)


# --- diagnoses made at a consultation ---
def diagnosis_out(d: Diagnosis) -> dict:
    data = {"resourceType": "Condition", "id": DIAGNOSES.fhir_id(d.pk),
            "subject": {"reference": f"Patient/{d.consultation.patient_id}"},
            "encounter": {"reference": f"Encounter/{d.consultation_id}"},
            "category": [{"coding": [{"system": CATEGORY, "code": "encounter-diagnosis"}]}],
            "code": _code(d.label, d.code), "extension": [{"url": "urn:intramuros:rank", "valueInteger": d.rank}]}
    if d.deleted_at:
        data["extension"].append({"url": "urn:intramuros:deleted", "valueDateTime": d.deleted_at.isoformat()})
    return data


def diagnosis_in(data, *, actor, existing=None, keep_id=False):
    label, icd = _label_icd(data)
    consultation = Consultation.all_objects.filter(
        pk=ref_id((data.get("encounter") or {}).get("reference"), "Encounter")).first()
    if consultation is None:
        raise FhirInputError("the diagnosis refers to an Encounter that does not exist", code="not-found", status=422)
    rank = next((e.get("valueInteger", 0) for e in data.get("extension") or [] if e.get("url") == "urn:intramuros:rank"),
                0)
    obj = Diagnosis(consultation=consultation, code=icd, label=label, rank=rank)
    common_in(obj, data, resource=DIAGNOSES, keep_id=keep_id)
    return save_checked(obj)


_common = {"search_params": {"patient": _patient_search}, "search_doc": {"patient": "reference"}}
PROBLEMS = register(ResourceType(
    name="Condition", id_prefix="problem", queryset=lambda: Problem.all_objects.order_by("pk"), to_fhir=problem_out,
    from_fhir=problem_in, patient_of=lambda o: o.patient_id, import_order=40, model_class=Problem,
    foreign=lambda d: _foreign_kind(d) == "problem", **_common))
ANTECEDENTS = register(ResourceType(
    name="Condition", id_prefix="antecedent", queryset=lambda: Antecedent.all_objects.order_by("pk"),
    to_fhir=antecedent_out, from_fhir=antecedent_in, patient_of=lambda o: o.patient_id, import_order=40,
    model_class=Antecedent, foreign=lambda d: _foreign_kind(d) == "antecedent", **_common))
DIAGNOSES = register(ResourceType(
    name="Condition", id_prefix="diagnosis",
    queryset=lambda: Diagnosis.all_objects.select_related("consultation").order_by("pk"), to_fhir=diagnosis_out,
    from_fhir=diagnosis_in, patient_of=lambda o: o.consultation.patient_id, import_order=55, model_class=Diagnosis,
    foreign=lambda d: _foreign_kind(d) == "diagnosis",
    search_params={"patient": lambda qs, v: qs.filter(consultation__patient_id=int(v.rsplit("/", 1)[-1]))
                   if is_id_number(v.rsplit("/", 1)[-1]) else qs.none()},
    search_doc={"patient": "reference"}))
