"""What every clinical item shares in FHIR: its patient, its note, and the deletion flag.

A deleted item is exported too (nothing is lost when a practice moves), marked with an extension,
and comes back deleted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from intramuros.core.text import validation_text
from intramuros.interop.fhir.registry import FhirInputError, ref_id

DELETED = "urn:intramuros:deleted"


def patient_ref(obj) -> dict:
    return {"reference": f"Patient/{obj.patient_id}"}


def common_out(obj, data: dict) -> dict:
    if getattr(obj, "note", ""):
        data["note"] = [{"text": obj.note}]
    if obj.deleted_at:
        data.setdefault("extension", []).append({"url": DELETED, "valueDateTime": obj.deleted_at.isoformat()})
    return data


def patient_from(data: dict, key: str = "patient"):
    from intramuros.patients.models import Patient

    reference = (data.get(key) or {}).get("reference")
    patient = Patient.all_objects.filter(pk=ref_id(reference, "Patient")).first()
    if patient is None:
        raise FhirInputError(f"{reference} does not exist", code="not-found", status=422)
    return patient


def common_in(obj, data: dict, *, resource, keep_id: bool) -> None:
    notes = data.get("note") or []
    if hasattr(obj, "note"):
        obj.note = "\n".join(n.get("text", "") for n in notes)
    for ext in data.get("extension") or []:
        if ext.get("url") == DELETED:
            obj.deleted_at = parse_datetime(ext.get("valueDateTime", ""))
    if keep_id:
        obj.pk = resource.pk_from(str(data.get("id", "")))


def save_checked(obj, *, exclude=()) -> object:
    try:
        obj.full_clean(exclude=list(exclude) + ["created_by", "deleted_by"])
    except ValidationError as exc:
        raise FhirInputError(validation_text(exc), status=422) from None
    obj.save()
    return obj
