"""Observation <-> lab results (ids "lab-N"). Vitals are added by the clinical mapper when it exists."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.utils.dateparse import parse_datetime

from intramuros.interop.fhir.mappers.common import UCUM, code_system_from, system_for
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, ref_id, register
from intramuros.interop.models import LabMessage, LabMessageStatus, LabResult

FLAG_TO_INTERPRETATION = {"H": "H", "L": "L", "HH": "HH", "LL": "LL", "A": "A", "N": "N"}
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def to_fhir(r: LabResult) -> dict:
    data = {"resourceType": "Observation", "id": LABS.fhir_id(r.pk), "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "laboratory"}]}],
            "code": {"coding": [{"system": system_for(r.code_system), "code": r.code, "display": r.label}],
                     "text": r.label},
            "subject": {"reference": f"Patient/{r.patient_id}"}, "effectiveDateTime": r.observed_at.isoformat()}
    if r.value_number is not None:
        data["valueQuantity"] = {"value": float(r.value_number), "unit": r.unit, **({"system": UCUM, "code": r.unit}
                                                                                    if r.unit else {})}
        if r.value_text != _plain(r.value_number):
            data["note"] = [{"text": r.value_text}]
    else:
        data["valueString"] = r.value_text
        if r.unit:
            data["extension"] = [{"url": "urn:intramuros:unit", "valueString": r.unit}]
    if r.reference_range:
        data["referenceRange"] = [{"text": r.reference_range}]
    if r.abnormal_flag:
        code = FLAG_TO_INTERPRETATION.get(r.abnormal_flag.upper())
        data["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": code}]} if code
                                  else {"text": r.abnormal_flag}]
    return data


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def from_fhir(data: dict, *, actor, existing=None, keep_id: bool = False) -> LabResult:
    from intramuros.patients.models import Patient

    if existing is not None:
        raise FhirInputError("lab results are never changed once filed", code="not-supported", status=405)
    patient = Patient.all_objects.filter(pk=ref_id((data.get("subject") or {}).get("reference"), "Patient")).first()
    if patient is None:
        raise FhirInputError(f"{data['subject']['reference']} does not exist", code="not-found", status=422)
    coding = ((data.get("code") or {}).get("coding") or [{}])[0]
    when = parse_datetime(data.get("effectiveDateTime", ""))
    if when is None or not coding.get("code"):
        raise FhirInputError("Observation needs code.coding[0].code and effectiveDateTime")
    quantity = data.get("valueQuantity")
    if quantity is not None:
        number = Decimal(str(quantity.get("value")))
        text = (data.get("note") or [{}])[0].get("text") or _plain(number)
        unit = quantity.get("unit", "")
    else:
        number, text = None, str(data.get("valueString", ""))
        unit = next((e.get("valueString", "") for e in data.get("extension") or [] if e.get("url") ==
                     "urn:intramuros:unit"), "")
    interpretation = (data.get("interpretation") or [{}])[0]
    flag = ((interpretation.get("coding") or [{}])[0].get("code")) or interpretation.get("text", "")
    raw = json.dumps(data, sort_keys=True)
    message = LabMessage.objects.create(source="fhir", format="fhir", raw=raw,
                                        sha256=hashlib.sha256(raw.encode()).hexdigest(),
                                        status=LabMessageStatus.FILED, patient=patient, laboratory="FHIR")
    result = LabResult(message=message, patient=patient, code=coding["code"][:40],
                       code_system=code_system_from(coding.get("system", "")), label=coding.get("display") or
                       (data.get("code") or {}).get("text", coding["code"]), value_text=text[:500], value_number=number,
                       unit=unit[:40], reference_range=((data.get("referenceRange") or [{}])[0].get("text", ""))[:60],
                       abnormal_flag=flag[:5], observed_at=when)
    if keep_id:
        result.pk = LABS.pk_from(str(data["id"]))
    result.save()
    return result


LABS = register(ResourceType(
    name="Observation", id_prefix="lab", queryset=lambda: LabResult.objects.order_by("pk"), to_fhir=to_fhir,
    from_fhir=from_fhir, patient_of=lambda r: r.patient_id, import_order=60, model_class=LabResult,
    foreign=lambda d: True,
    search_params={"patient": lambda qs, v: qs.filter(patient_id=ref_id(v if "/" in v else f"Patient/{v}", "Patient")),
                   "code": lambda qs, v: qs.filter(code=v.rsplit("|", 1)[-1])},
    search_doc={"patient": "reference", "code": "token"}))
