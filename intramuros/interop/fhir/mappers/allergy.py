"""AllergyIntolerance <-> allergies and intolerances."""

from __future__ import annotations

from intramuros.clinical.models import Allergy
from intramuros.interop.fhir.mappers.clinical_common import (
    common_in,
    common_out,
    patient_from,
    patient_ref,
    save_checked,
)
from intramuros.interop.fhir.mappers.common import always, concept_text
from intramuros.interop.fhir.registry import ResourceType, ref_id, register

VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
TO_VERIFICATION = {"suspected": "unconfirmed", "likely": "presumed", "confirmed": "confirmed"}
FROM_VERIFICATION = {v: k for k, v in TO_VERIFICATION.items()}
TO_SEVERITY = {"mild": "mild", "moderate": "moderate", "severe": "severe", "life_threatening": "severe"}


def to_fhir(a: Allergy) -> dict:
    data = {"resourceType": "AllergyIntolerance", "id": str(a.pk), "patient": patient_ref(a),
            "type": a.kind if a.kind in ("allergy", "intolerance") else "allergy",
            "code": {"text": a.substance},
            "verificationStatus": {"coding": [{"system": VERIFICATION,
                                               "code": TO_VERIFICATION.get(a.certainty, "unconfirmed")}]},
            "extension": [{"url": "urn:intramuros:allergy#severity", "valueCode": a.severity}]}
    if a.reaction:
        data["reaction"] = [{"manifestation": [{"text": a.reaction}], "severity": TO_SEVERITY[a.severity]}]
    if a.noted_on:
        data["recordedDate"] = a.noted_on.isoformat()
    return common_out(a, data)


def from_fhir(data, *, actor, existing=None, keep_id=False):
    ext = {e.get("url"): e for e in data.get("extension") or []}
    certainty = FROM_VERIFICATION.get(((data.get("verificationStatus") or {}).get("coding") or [{}])[0].get("code"),
                                      "confirmed")
    severity = (ext.get("urn:intramuros:allergy#severity") or {}).get("valueCode") or \
        ((data.get("reaction") or [{}])[0].get("severity") or "moderate")
    reaction = (((data.get("reaction") or [{}])[0].get("manifestation") or [{}])[0]).get("text", "")
    obj = existing or Allergy(patient=patient_from(data))
    obj.kind, obj.substance, obj.reaction = data.get("type", "allergy"), concept_text(data.get("code")), \
        reaction
    obj.severity, obj.certainty = severity, certainty
    obj.noted_on = (data.get("recordedDate") or "")[:10] or None
    common_in(obj, data, resource=ALLERGIES, keep_id=keep_id and existing is None)
    return save_checked(obj)


ALLERGIES = register(ResourceType(
    name="AllergyIntolerance", queryset=lambda: Allergy.all_objects.order_by("pk"), to_fhir=to_fhir,
    from_fhir=from_fhir, patient_of=lambda a: a.patient_id, import_order=40, model_class=Allergy, foreign=always,
    search_params={"patient": lambda qs, v: qs.filter(
        patient_id=ref_id(v if "/" in v else f"Patient/{v}", "Patient"))},
    search_doc={"patient": "reference"}))
