"""MedicationRequest <-> the patient's treatments ("treatment-N", intent "plan").

Printed prescriptions stay as documents (DocumentReference); the treatments they started appear here.
"""

from __future__ import annotations

from intramuros.accounts.models import User
from intramuros.clinical.models import Treatment
from intramuros.interop.fhir.mappers.clinical_common import (
    common_in,
    common_out,
    patient_from,
    patient_ref,
    save_checked,
)
from intramuros.interop.fhir.mappers.common import always, concept_text
from intramuros.interop.fhir.registry import ResourceType, ref_id, register

KIND = "urn:intramuros:treatment#kind"
SOURCE = "urn:intramuros:treatment#source"


def to_fhir(t: Treatment) -> dict:
    period = {"start": t.start.isoformat()}
    if t.end:
        period["end"] = t.end.isoformat()
    data = {"resourceType": "MedicationRequest", "id": TREATMENTS.fhir_id(t.pk),
            "status": "active" if t.end is None else "completed", "intent": "plan", "subject": patient_ref(t),
            "medicationCodeableConcept": {"text": t.drug},
            "dispenseRequest": {"validityPeriod": period},
            "extension": [{"url": KIND, "valueCode": t.kind}]}
    if t.source or t.source_ref:
        data["extension"].append({"url": SOURCE, "valueString": f"{t.source}|{t.source_ref}"})
    if t.dosage:
        data["dosageInstruction"] = [{"text": t.dosage}]
    if t.prescriber_id:
        data["requester"] = {"reference": f"Practitioner/{t.prescriber_id}"}
    return common_out(t, data)


def from_fhir(data, *, actor, existing=None, keep_id=False):
    ext = {e.get("url"): e for e in data.get("extension") or []}
    period = (data.get("dispenseRequest") or {}).get("validityPeriod") or {}
    requester = (data.get("requester") or {}).get("reference")
    obj = existing or Treatment(patient=patient_from(data, "subject"))
    obj.drug = concept_text(data.get("medicationCodeableConcept"))
    obj.dosage = ((data.get("dosageInstruction") or [{}])[0]).get("text", "")
    obj.kind = (ext.get(KIND) or {}).get("valueCode", Treatment.Kind.CHRONIC)
    obj.start, obj.end = period.get("start") or (data.get("authoredOn") or "")[:10] or None, period.get("end")
    obj.prescriber = User.objects.filter(pk=ref_id(requester, "Practitioner")).first() if requester else None
    obj.source, _, obj.source_ref = (ext.get(SOURCE) or {}).get("valueString", "|").partition("|")
    common_in(obj, data, resource=TREATMENTS, keep_id=keep_id and existing is None)
    return save_checked(obj)


TREATMENTS = register(ResourceType(
    name="MedicationRequest", id_prefix="treatment", queryset=lambda: Treatment.all_objects.order_by("pk"),
    to_fhir=to_fhir, from_fhir=from_fhir, patient_of=lambda t: t.patient_id, import_order=45, model_class=Treatment, foreign=always,
    search_params={"patient": lambda qs, v: qs.filter(
        patient_id=ref_id(v if "/" in v else f"Patient/{v}", "Patient"))},
    search_doc={"patient": "reference"}))
