"""Tags on patients: create a tag, put it on or take it off a patient, list a tag's patients."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.patients.models import Patient, PatientTag, Tag, TagColor


@transaction.atomic
def tag_create(*, actor, name: str, color: str = TagColor.BLUE) -> Tag:
    name = " ".join(name.split())
    if not name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError({"name": _("Give the tag a name made of letters, digits and spaces.")})
    if color not in TagColor.values:
        raise ValidationError({"color": _("Choose one of the colours offered.")})
    # Compared in Python: SQLite folds the case of ASCII letters only ("É" and "é" would differ).
    if any(existing.casefold() == name.casefold() for existing in Tag.objects.values_list("name", flat=True)):
        raise ValidationError({"name": _("A tag with this name exists already.")})
    tag = Tag(name=name, color=color)
    tag.full_clean()
    tag.save()
    audit.record(actor=actor, action="patients.tag.created", target=tag)
    return tag


@transaction.atomic
def patient_tag_add(*, actor, patient: Patient, tag: Tag) -> PatientTag | None:
    try:
        with transaction.atomic():
            link = PatientTag.objects.create(patient=patient, tag=tag, added_by=actor)
    except IntegrityError:
        return None  # already tagged: nothing to do
    audit.record(actor=actor, action="patients.tag.added", target=link, patient=patient, tag=tag.name)
    return link


@transaction.atomic
def patient_tag_remove(*, actor, patient: Patient, tag: Tag) -> None:
    deleted, _ = PatientTag.objects.filter(patient=patient, tag=tag).delete()
    if deleted:
        audit.record(actor=actor, action="patients.tag.removed", patient=patient, tag=tag.name)


def patients_with_tag(*, tag: Tag, limit: int = 500):
    return (Patient.objects.filter(tag_links__tag=tag).select_related("referring_practitioner")
            .order_by("search_names")[:limit])
