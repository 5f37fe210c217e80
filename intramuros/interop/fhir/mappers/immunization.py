"""Immunization <-> vaccinations."""

from __future__ import annotations

from intramuros.clinical.models import Vaccination
from intramuros.interop.fhir.mappers.clinical_common import (
    common_in,
    common_out,
    patient_from,
    patient_ref,
    save_checked,
)
from intramuros.interop.fhir.mappers.common import always, concept_text
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, ref_id, register


def to_fhir(v: Vaccination) -> dict:
    data = {"resourceType": "Immunization", "id": str(v.pk), "status": "completed", "patient": patient_ref(v),
            "vaccineCode": {"text": v.vaccine}, "occurrenceDateTime": v.given_on.isoformat()}
    if v.batch:
        data["lotNumber"] = v.batch
    if v.dose:
        data["protocolApplied"] = [{"doseNumberString": v.dose}]
    return common_out(v, data)


def from_fhir(data, *, actor, existing=None, keep_id=False):
    given = (data.get("occurrenceDateTime") or "")[:10]
    if not given:
        raise FhirInputError("Immunization needs occurrenceDateTime")
    obj = existing or Vaccination(patient=patient_from(data))
    obj.vaccine, obj.given_on = concept_text(data.get("vaccineCode")), given
    obj.batch = data.get("lotNumber", "")
    obj.dose = ((data.get("protocolApplied") or [{}])[0]).get("doseNumberString", "")
    common_in(obj, data, resource=IMMUNIZATIONS, keep_id=keep_id and existing is None)
    return save_checked(obj)


IMMUNIZATIONS = register(ResourceType(
    name="Immunization", queryset=lambda: Vaccination.all_objects.order_by("pk"), to_fhir=to_fhir,
    from_fhir=from_fhir, patient_of=lambda v: v.patient_id, import_order=40, model_class=Vaccination, foreign=always,
    search_params={"patient": lambda qs, v: qs.filter(
        patient_id=ref_id(v if "/" in v else f"Patient/{v}", "Patient"))},
    search_doc={"patient": "reference"}))
