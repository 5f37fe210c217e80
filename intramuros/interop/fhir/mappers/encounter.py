"""Encounter <-> consultations; Observation "vitals-N" <-> the vital signs taken at consultation N.

The notes (history, examination, conclusion) travel as extensions: FHIR's Encounter has no
place for them, and nothing may be lost on the way out and back.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.dateparse import parse_datetime

from intramuros.accounts.models import User
from intramuros.clinical.models import Consultation
from intramuros.interop.fhir.mappers.clinical_common import DELETED, patient_from, save_checked
from intramuros.interop.fhir.mappers.common import LOINC, UCUM
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, ref_id, register

NOTES = ("history_notes", "examination", "conclusion")
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# field -> (LOINC code, display, UCUM unit)
VITALS = {
    "weight_kg": ("29463-7", "Body weight", "kg"),
    "height_cm": ("8302-2", "Body height", "cm"),
    "systolic_mmhg": ("8480-6", "Systolic blood pressure", "mm[Hg]"),
    "diastolic_mmhg": ("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    "heart_rate_bpm": ("8867-4", "Heart rate", "/min"),
    "temperature_c": ("8310-5", "Body temperature", "Cel"),
    "spo2_pct": ("59408-5", "Oxygen saturation by pulse oximetry", "%"),
    "glycaemia_g_l": ("2339-0", "Glucose [Mass/volume] in Blood", "g/L"),
    "head_circumference_cm": ("9843-4", "Head Occipital-frontal circumference", "cm"),
}
BY_CODE = {code: field for field, (code, _d, _u) in VITALS.items()}


def _patient_search(qs, value):
    return qs.filter(patient_id=ref_id(value if "/" in value else f"Patient/{value}", "Patient"))


def encounter_out(c: Consultation) -> dict:
    data = {"resourceType": "Encounter", "id": ENCOUNTERS.fhir_id(c.pk), "status": "finished",
            "class": {"system": ACT, "code": "AMB"}, "subject": {"reference": f"Patient/{c.patient_id}"},
            "participant": [{"individual": {"reference": f"Practitioner/{c.practitioner_id}"}}],
            "period": {"start": c.at.isoformat()}}
    if c.reason:
        data["reasonCode"] = [{"text": c.reason}]
    ext = [{"url": f"urn:intramuros:consultation#{f}", "valueString": getattr(c, f)} for f in NOTES if getattr(c, f)]
    if c.form_version_id:
        ext.append({"url": "urn:intramuros:consultation#form_version", "valueString": f"form-{c.form_version_id}"})
    if c.deleted_at:
        ext.append({"url": DELETED, "valueDateTime": c.deleted_at.isoformat()})
    if ext:
        data["extension"] = ext
    return data


def encounter_in(data, *, actor, existing=None, keep_id=False):
    if existing is not None:
        raise FhirInputError("consultations are changed in the software, not through the API", code="not-supported",
                             status=405)
    participant = (data.get("participant") or [{}])[0].get("individual", {}).get("reference")
    practitioner = User.objects.filter(pk=ref_id(participant, "Practitioner")).first()
    start = parse_datetime((data.get("period") or {}).get("start", ""))
    if practitioner is None or start is None:
        raise FhirInputError("Encounter needs an existing participant Practitioner and period.start", status=422)
    ext = {e.get("url", ""): e for e in data.get("extension") or []}
    obj = Consultation(patient=patient_from(data, "subject"), practitioner=practitioner, at=start,
                       reason=((data.get("reasonCode") or [{}])[0]).get("text", ""),
                       **{f: (ext.get(f"urn:intramuros:consultation#{f}") or {}).get("valueString", "") for f in NOTES})
    form = (ext.get("urn:intramuros:consultation#form_version") or {}).get("valueString", "")
    if form:
        from intramuros.clinical.models import FormVersion

        obj.form_version = FormVersion.objects.filter(pk=int(form.removeprefix("form-") or 0)).first()
        if obj.form_version is None:
            raise FhirInputError(f"the consultation uses Questionnaire/{form}, which is not in the export", status=422)
    if DELETED in ext:
        obj.deleted_at = parse_datetime(ext[DELETED].get("valueDateTime", ""))
    if keep_id:
        obj.pk = ENCOUNTERS.pk_from(str(data["id"]))
    return save_checked(obj, exclude=["form_version"])


def vitals_out(c: Consultation) -> dict:
    components = []
    for field, (code, display, unit) in VITALS.items():
        value = getattr(c, field)
        if value is not None:
            components.append({"code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                               "valueQuantity": {"value": float(value), "unit": unit, "system": UCUM, "code": unit}})
    return {"resourceType": "Observation", "id": VITAL_SIGNS.fhir_id(c.pk), "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": "85353-1", "display": "Vital signs panel"}]},
            "subject": {"reference": f"Patient/{c.patient_id}"}, "encounter": {"reference": f"Encounter/{c.pk}"},
            "effectiveDateTime": c.at.isoformat(), "component": components}


def vitals_in(data, *, actor, existing=None, keep_id=False):
    if existing is not None:
        raise FhirInputError("vital signs are changed with their consultation", code="not-supported", status=405)
    consultation = Consultation.all_objects.filter(
        pk=ref_id((data.get("encounter") or {}).get("reference"), "Encounter")).first()
    if consultation is None:
        raise FhirInputError("the vital signs refer to an Encounter that does not exist", status=422)
    for component in data.get("component") or []:
        code = ((component.get("code") or {}).get("coding") or [{}])[0].get("code")
        if code in BY_CODE:
            value = Decimal(str((component.get("valueQuantity") or {}).get("value")))
            field = BY_CODE[code]
            setattr(consultation, field, int(value) if value == value.to_integral() and field.endswith(
                ("mmhg", "bpm", "pct")) else value)
    return save_checked(consultation, exclude=["form_version"])


ENCOUNTERS = register(ResourceType(
    name="Encounter", queryset=lambda: Consultation.all_objects.order_by("pk"), to_fhir=encounter_out,
    from_fhir=encounter_in, patient_of=lambda c: c.patient_id, import_order=50, model_class=Consultation,
    foreign=lambda d: True,
    search_params={"patient": _patient_search}, search_doc={"patient": "reference"}))
VITAL_SIGNS = register(ResourceType(
    name="Observation", id_prefix="vitals",
    queryset=lambda: Consultation.all_objects.filter(_has_vitals_q()).order_by("pk"),
    to_fhir=vitals_out, from_fhir=vitals_in, patient_of=lambda c: c.patient_id, import_order=56,
    search_params={"patient": _patient_search}, search_doc={"patient": "reference"}))


def _has_vitals_q():
    from django.db.models import Q

    q = Q()
    for field in VITALS:
        q |= Q(**{f"{field}__isnull": False})
    return q
