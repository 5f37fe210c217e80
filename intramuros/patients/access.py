"""The access gate for patient files: every read of a file goes through here and is logged.

Besides the role's capability, the gate applies the practice's "own patients only" rule: a practitioner
opening the clinical file of a patient who is not theirs (not their referring practitioner, no appointment
nor consultation with them) must give a reason first (break-the-glass, see intramuros.audit.breakglass).
It also notes on the audit row what makes a read unusual (a patient with the reader's surname, no care
relation), for the administrator's review screen.
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.http import Http404

from intramuros import audit
from intramuros.accounts.access import has_capability
from intramuros.audit.breakglass import BreakGlassRequired, has_grant
from intramuros.core.prepared import Prepared
from intramuros.core.text import fold
from intramuros.patients.models import Patient

__all__ = ["PARTS", "BreakGlassRequired", "has_care_relation", "patient_for_user"]

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

# Parts covered by the "own patients only" rule: the medical content, not the front-desk parts.
RESTRICTED_PARTS = {"summary", "record", "consultation", "document", "prescription"}

# Records that tie a practitioner to a patient: (app, model, the fields naming the practitioner).
# Looked up by name so that this gate works whichever of these apps exist yet.
CARE_RECORDS = [
    ("agenda", "Appointment", ("calendar__practitioner", "practitioner")),
    ("clinical", "Consultation", ("practitioner", "author")),
]


# The referring practitioner is shown in the file's header pages: read with the patient, not after.
_PATIENT = Prepared(lambda pk: Patient.objects.filter(pk=pk).select_related("referring_practitioner")[:1])
_ANY_PATIENT = Prepared(lambda pk: Patient.all_objects.filter(pk=pk).select_related("referring_practitioner")[:1])


def has_care_relation(user, patient: Patient) -> bool:
    """Is `patient` one of `user`'s patients: referring practitioner, or an appointment or consultation?"""
    if patient.referring_practitioner_id == user.pk:
        return True
    return any(_exists(statement, patient_id=patient.pk, user_id=user.pk) for statement in _care_statements())


@functools.cache
def _care_statements() -> list[Prepared]:
    """One statement per installed kind of care record, worked out once per process: the patient's few rows
    are found by their index, then any of the fields naming the practitioner may match."""
    statements = []
    for app_label, model_name, user_fields in CARE_RECORDS:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        names = {f.name for f in model._meta.get_fields()}
        fields = [f for f in user_fields if f.split("__")[0] in names]
        if "patient" in names and fields:
            manager = getattr(model, "all_objects", model._default_manager)
            statements.append(Prepared(
                lambda patient_id, user_id, manager=manager, fields=fields: manager.filter(patient_id=patient_id)
                .filter(Q(*[Q(**{field: user_id}) for field in fields], _connector=Q.OR))
                .values_list("pk", flat=True)[:1]))
    return statements


def _exists(statement: Prepared, **params) -> bool:
    # Inside a transaction, a savepoint keeps an unexpected database error from breaking the caller's
    # transaction. Outside one, no transaction is opened: on SQLite it would take the write lock for a read.
    try:
        if not transaction.get_connection().in_atomic_block:
            return statement.first(**params) is not None
        with transaction.atomic():
            return statement.first(**params) is not None
    except DatabaseError:
        return False


def _restricted() -> bool:
    from intramuros.core.models import Practice

    practice = Practice.cached()
    return bool(practice and practice.restrict_to_own_patients)


def _same_surname(user, patient: Patient) -> bool:
    surname = fold(user.last_name or "").strip()
    return bool(surname) and surname in {fold(patient.birth_name).strip(), fold(patient.used_name or "").strip()}


def patient_for_user(user, patient_id, *, part: str = "identity", include_deleted: bool = False) -> Patient:
    """Return the patient if `user` may read `part` of the file; else 404 ("not allowed" looks like "absent").

    Raises BreakGlassRequired when the practice's own-patients rule asks for a reason first.
    """
    capability = PARTS[part]
    if not has_capability(user, capability):
        raise Http404
    try:
        patient = (_ANY_PATIENT if include_deleted else _PATIENT).first(pk=int(patient_id))
    except (ValueError, TypeError, OverflowError):
        raise Http404 from None
    if patient is None:
        raise Http404
    alerts, flagged = [], False
    if getattr(user, "is_practitioner", False):
        if _same_surname(user, patient):
            alerts.append("same_surname")
        if part in RESTRICTED_PARTS and not has_care_relation(user, patient):
            alerts.append("no_care_relation")
            if _restricted():
                if not has_grant(patient.pk):
                    raise BreakGlassRequired(patient.pk, part)
                alerts.append("break_glass")
                flagged = True
    extra = {"alerts": alerts} if alerts else {}
    audit.record(actor=user, action=f"patients.{part}.viewed", target=patient, patient=patient, flagged=flagged,
                 **extra)
    return patient
