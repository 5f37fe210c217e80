"""Every write to identity, correspondents and merges: validated, saved whole or not at all, audited."""

from __future__ import annotations

from collections import defaultdict
from itertools import islice

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.patients.models import (
    Correspondent,
    CorrespondentRole,
    Patient,
    PatientCorrespondent,
    PatientMerge,
)
from intramuros.patients.selectors import DuplicateCandidate, find_duplicates
from intramuros.patients.validators import clean_photo, normalise_nir, normalise_phone

IDENTITY_FIELDS = ["birth_name", "used_name", "first_names", "sex", "birth_date", "birth_place", "nir", "address",
                   "postal_code", "city", "phone_mobile", "phone_home", "email", "emergency_contact",
                   "emergency_phone", "notes", "referring_practitioner"]
CORRESPONDENT_FIELDS = ["title", "last_name", "first_name", "specialty", "rpps", "address", "postal_code", "city",
                        "phone", "mssante_email", "email", "preferred_email", "notes"]
PATIENT_PHONES = ["phone_mobile", "phone_home", "emergency_phone"]


class DuplicateSuspected(Exception):
    """The new file looks like an existing one: the caller must show `candidates` and ask to confirm."""

    def __init__(self, candidates: list[DuplicateCandidate]):
        super().__init__(f"{len(candidates)} possible duplicate(s)")
        self.candidates = candidates


def _check_fields(fields: dict, allowed: list[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown field(s): {', '.join(sorted(unknown))}")


def _strip(obj, names) -> None:
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str):
            setattr(obj, name, value.strip())


def _normalise_phones(obj, names) -> None:
    """Phones as '06 12 34 56 78'; errors collected per field, like full_clean does."""
    errors = {}
    for name in names:
        try:
            setattr(obj, name, normalise_phone(getattr(obj, name)))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


def _validate_patient(patient: Patient) -> None:
    _strip(patient, [f for f in IDENTITY_FIELDS if f != "referring_practitioner"])
    patient.nir = normalise_nir(patient.nir)
    errors: dict[str, list[str]] = {}
    try:
        _normalise_phones(patient, PATIENT_PHONES)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        patient.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _save_with_history(obj, actor, **kwargs) -> None:
    obj._history_user = actor if getattr(actor, "is_authenticated", False) else None
    obj.save(**kwargs)


@transaction.atomic
def patient_register(*, actor, confirm_duplicate: bool = False, **fields) -> Patient:
    """Create a patient file. Raises ValidationError (per field) or DuplicateSuspected unless confirmed."""
    _check_fields(fields, IDENTITY_FIELDS)
    patient = Patient(**fields)
    _validate_patient(patient)
    candidates = find_duplicates(birth_name=patient.birth_name, used_name=patient.used_name,
                                 first_names=patient.first_names, birth_date=patient.birth_date, nir=patient.nir)
    if candidates and not confirm_duplicate:
        raise DuplicateSuspected(candidates)
    _save_with_history(patient, actor)
    audit.record(actor=actor, action="patients.patient.registered", target=patient, patient=patient,
                 duplicates_confirmed=[c.patient.pk for c in candidates])
    return patient


@transaction.atomic
def patient_update(*, actor, patient: Patient, **changes) -> Patient:
    """Change identity fields; the previous version stays in the history."""
    _check_fields(changes, IDENTITY_FIELDS)
    if patient.is_deleted:
        raise ValidationError(_("This file is deleted: restore it before changing it."))
    for name, value in changes.items():
        setattr(patient, name, value)
    _validate_patient(patient)
    before = Patient.all_objects.get(pk=patient.pk)
    changed = [n for n in IDENTITY_FIELDS if getattr(before, n) != getattr(patient, n)]
    if not changed:
        return patient
    _save_with_history(patient, actor)
    # Field names only: the audit log must not become a second copy of the identity.
    audit.record(actor=actor, action="patients.patient.updated", target=patient, patient=patient, fields=changed)
    return patient


def _document_store():
    """The encrypted document store, when the documents app provides it (photos go there)."""
    if not apps.is_installed("intramuros.documents"):
        return None
    try:
        from intramuros.documents import storage  # optional dependency, see models.Patient.photo_file
    except ImportError:
        return None
    return storage


@transaction.atomic
def patient_set_photo(*, actor, patient: Patient, data: bytes) -> Patient:
    """Check the picture by its content, re-encode it small and keep it encrypted."""
    jpeg, content_type = clean_photo(data)
    store = _document_store()
    if store is not None:
        stored = store.store_bytes(jpeg, kind="photo", content_type=content_type)
        patient.photo_file, patient.photo = stored.pk, None
    else:
        patient.photo_file, patient.photo = None, jpeg
    patient.photo_updated_at = timezone.now()
    _save_with_history(patient, actor, update_fields=["photo_file", "photo", "photo_updated_at", "updated_at"])
    audit.record(actor=actor, action="patients.photo.changed", target=patient, patient=patient)
    return patient


@transaction.atomic
def patient_remove_photo(*, actor, patient: Patient) -> Patient:
    patient.photo_file, patient.photo, patient.photo_updated_at = None, None, timezone.now()
    _save_with_history(patient, actor, update_fields=["photo_file", "photo", "photo_updated_at", "updated_at"])
    audit.record(actor=actor, action="patients.photo.removed", target=patient, patient=patient)
    return patient


def patient_photo_bytes(patient: Patient) -> bytes | None:
    """The current photo (JPEG), or None."""
    if patient.photo_file:
        store = _document_store()
        if store is None:
            return None
        from intramuros.documents.models import StoredFile

        stored = StoredFile.objects.filter(pk=patient.photo_file).first()
        return store.read_bytes(stored) if stored else None
    return bytes(patient.photo) if patient.photo else None


@transaction.atomic
def patient_delete(*, actor, patient: Patient, reason: str = "") -> Patient:
    """Flag the file as deleted: hidden everywhere, kept whole, restorable (records.restore)."""
    if patient.is_deleted:
        return patient
    patient.deleted_at, patient.deleted_by = timezone.now(), actor
    _save_with_history(patient, actor, update_fields=["deleted_at", "deleted_by"])
    audit.record(actor=actor, action="patients.patient.deleted", target=patient, patient=patient,
                 reason=reason[:200])
    return patient


@transaction.atomic
def patient_restore(*, actor, patient: Patient) -> Patient:
    if not patient.is_deleted:
        return patient
    if patient.merged_into_id:
        raise ValidationError(_("This file was merged into another one: undo the merge instead of restoring it."))
    patient.deleted_at, patient.deleted_by = None, None
    _save_with_history(patient, actor, update_fields=["deleted_at", "deleted_by"])
    audit.record(actor=actor, action="patients.patient.restored", target=patient, patient=patient)
    return patient


# Merge -------------------------------------------------------------------------------------------------


def patient_relations() -> list[tuple[type, str]]:
    """(model, field name) of every foreign key to Patient in every installed app, found at run time so that
    apps written later are merged too. Historical tables and hidden relations ("+") are left alone: the
    history of a record says where it was."""
    seen: dict[tuple[str, str], tuple[type, str]] = {}
    for rel in Patient._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            pairs = [(through, f.name) for f in through._meta.fields
                     if f.is_relation and f.related_model is Patient]
        else:
            pairs = [(rel.related_model, rel.field.name)]
        for model, name in pairs:
            if model._meta.proxy or not model._meta.managed:
                continue
            seen.setdefault((model._meta.label, name), (model, name))
    return list(seen.values())


def _chunks(items, size=500):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _move(model, field: str, pks: list, target) -> tuple[list, list]:
    """Re-point rows to `target`; rows refused by a uniqueness rule (one per patient) are left where they are."""
    manager = model._base_manager
    try:
        with transaction.atomic():
            for chunk in _chunks(pks):
                manager.filter(pk__in=chunk).update(**{field: target})
        return pks, []
    except IntegrityError:
        moved, left = [], []
        for pk in pks:
            try:
                with transaction.atomic():
                    manager.filter(pk=pk).update(**{field: target})
                moved.append(pk)
            except IntegrityError:
                left.append(pk)
        return moved, left


@transaction.atomic
def patient_merge(*, actor, keep: Patient, absorb: Patient, reason: str) -> PatientMerge:
    """Move every record of `absorb` to `keep`, then flag `absorb` as deleted (merged). Reversible."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why these two files are the same person.")]})
    if keep.pk == absorb.pk:
        raise ValidationError(_("Choose two different files to merge."))
    keep = Patient.all_objects.select_for_update().get(pk=keep.pk)
    absorb = Patient.all_objects.select_for_update().get(pk=absorb.pk)
    if keep.is_deleted or absorb.is_deleted:
        raise ValidationError(_("A deleted file cannot be merged: restore it first."))
    moved, left = [], []
    for model, field in patient_relations():
        pks = list(model._base_manager.filter(**{field: absorb.pk}).values_list("pk", flat=True))
        if not pks:
            continue
        done, refused = _move(model, field, pks, keep)
        moved += [[model._meta.label, str(pk), field] for pk in done]
        left += [[model._meta.label, str(pk), field] for pk in refused]
    merge = PatientMerge.objects.create(keep=keep, absorbed=absorb, reason=reason[:300], moved=moved, left=left,
                                        merged_by=actor)
    absorb.merged_into, absorb.deleted_at, absorb.deleted_by = keep, timezone.now(), actor
    _save_with_history(absorb, actor, update_fields=["merged_into", "deleted_at", "deleted_by"])
    for patient in (keep, absorb):
        audit.record(actor=actor, action="patients.patient.merged", target=merge, patient=patient,
                     keep=keep.pk, absorbed=absorb.pk, moved=len(moved), left=len(left))
    return merge


@transaction.atomic
def patient_unmerge(*, actor, merge: PatientMerge) -> PatientMerge:
    """Move back what the merge moved (records added to the kept file since stay there); restore the file."""
    merge = PatientMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.is_undone:
        raise ValidationError(_("This merge was already undone."))
    keep = Patient.all_objects.get(pk=merge.keep_id)
    absorbed = Patient.all_objects.get(pk=merge.absorbed_id)
    if keep.is_deleted:
        raise ValidationError(_("The kept file was itself merged or deleted since: undo that first."))
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for label, pk, field in merge.moved:
        groups[(label, field)].append(pk)
    for (label, field), pks in groups.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            raise ValidationError(
                _("Records of %(model)s were moved by this merge but that part of the software is no longer "
                  "installed: reinstall it before undoing the merge.") % {"model": label}) from None
        for chunk in _chunks(pks):
            model._base_manager.filter(pk__in=chunk, **{field: keep.pk}).update(**{field: absorbed.pk})
    absorbed.merged_into, absorbed.deleted_at, absorbed.deleted_by = None, None, None
    _save_with_history(absorbed, actor, update_fields=["merged_into", "deleted_at", "deleted_by"])
    merge.undone_at, merge.undone_by = timezone.now(), actor
    merge.save(update_fields=["undone_at", "undone_by"])
    for patient in (keep, absorbed):
        audit.record(actor=actor, action="patients.patient.unmerged", target=merge, patient=patient,
                     keep=keep.pk, absorbed=absorbed.pk, moved_back=len(merge.moved))
    return merge


# Correspondents ----------------------------------------------------------------------------------------


def _validate_correspondent(correspondent: Correspondent) -> None:
    _strip(correspondent, CORRESPONDENT_FIELDS)
    correspondent.rpps = correspondent.rpps.replace(" ", "")
    errors: dict[str, list[str]] = {}
    try:
        _normalise_phones(correspondent, ["phone"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        # The RPPS uniqueness is checked below, with a message naming who already has it.
        correspondent.full_clean(exclude=list(errors), validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if correspondent.rpps and "rpps" not in errors:
        clash = Correspondent.objects.filter(rpps=correspondent.rpps).exclude(pk=correspondent.pk).first()
        if clash:
            errors["rpps"] = [_("This RPPS number is already in the directory: %(name)s.") % {"name": clash}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def correspondent_create(*, actor, **fields) -> Correspondent:
    _check_fields(fields, CORRESPONDENT_FIELDS)
    correspondent = Correspondent(**fields)
    _validate_correspondent(correspondent)
    _save_with_history(correspondent, actor)
    audit.record(actor=actor, action="patients.correspondent.created", target=correspondent)
    return correspondent


@transaction.atomic
def correspondent_update(*, actor, correspondent: Correspondent, **changes) -> Correspondent:
    _check_fields(changes, CORRESPONDENT_FIELDS)
    for name, value in changes.items():
        setattr(correspondent, name, value)
    _validate_correspondent(correspondent)
    _save_with_history(correspondent, actor)
    audit.record(actor=actor, action="patients.correspondent.updated", target=correspondent,
                 fields=sorted(changes))
    return correspondent


@transaction.atomic
def correspondent_delete(*, actor, correspondent: Correspondent) -> Correspondent:
    """Flag the correspondent as deleted: their links to patients stay in the files' history."""
    correspondent.deleted_at, correspondent.deleted_by = timezone.now(), actor
    _save_with_history(correspondent, actor, update_fields=["deleted_at", "deleted_by"])
    audit.record(actor=actor, action="patients.correspondent.deleted", target=correspondent)
    return correspondent


@transaction.atomic
def correspondent_restore(*, actor, correspondent: Correspondent) -> Correspondent:
    correspondent.deleted_at, correspondent.deleted_by = None, None
    _save_with_history(correspondent, actor, update_fields=["deleted_at", "deleted_by"])
    audit.record(actor=actor, action="patients.correspondent.restored", target=correspondent)
    return correspondent


@transaction.atomic
def correspondent_link(*, actor, patient: Patient, correspondent: Correspondent, role: str,
                       comment: str = "") -> PatientCorrespondent:
    """Link a correspondent to a patient. A patient has one treating physician: a new one replaces the old."""
    if role not in CorrespondentRole.values:
        raise ValidationError({"role": [_("Choose a role from the list.")]})
    if correspondent.is_deleted:
        raise ValidationError({"correspondent": [_("This correspondent was removed from the directory.")]})
    if role == CorrespondentRole.TREATING:
        for old in PatientCorrespondent.objects.filter(patient=patient, role=role):
            correspondent_unlink(actor=actor, link=old)
    existing = PatientCorrespondent.objects.filter(patient=patient, correspondent=correspondent, role=role).first()
    if existing:
        return existing
    link = PatientCorrespondent(patient=patient, correspondent=correspondent, role=role, comment=comment.strip())
    link.full_clean()
    _save_with_history(link, actor)
    audit.record(actor=actor, action="patients.correspondent.linked", target=link, patient=patient, role=role)
    return link


@transaction.atomic
def correspondent_unlink(*, actor, link: PatientCorrespondent) -> PatientCorrespondent:
    link.deleted_at, link.deleted_by = timezone.now(), actor
    _save_with_history(link, actor, update_fields=["deleted_at", "deleted_by"])
    audit.record(actor=actor, action="patients.correspondent.unlinked", target=link, patient=link.patient_id)
    return link
