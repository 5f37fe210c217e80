"""The access gate for patient files: every read of a file goes through here and is logged."""

from __future__ import annotations

from django.http import Http404

from intramuros import audit
from intramuros.accounts.access import has_capability
from intramuros.patients.models import Patient

# What part of the file is read, and the capability it needs.
PARTS = {
    "identity": "identity.view",
    "summary": "clinical.view",
    "record": "clinical.view",
    "consultation": "clinical.view",
    "document": "documents.view",
    "prescription": "clinical.view",
    "billing": "billing.view",
    "agenda": "agenda.view",
}


def patient_for_user(user, patient_id, *, part: str = "identity", include_deleted: bool = False) -> Patient:
    """Return the patient if `user` may read `part` of the file; else 404 ("not allowed" looks like "absent")."""
    capability = PARTS[part]
    if not has_capability(user, capability):
        raise Http404
    manager = Patient.all_objects if include_deleted else Patient.objects
    try:
        patient = manager.get(pk=int(patient_id))
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    audit.record(actor=user, action=f"patients.{part}.viewed", target=patient, patient=patient)
    return patient
