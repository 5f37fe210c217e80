"""Template helpers of the medical record."""

from __future__ import annotations

from django import template

from intramuros.accounts.access import has_capability
from intramuros.clinical import formschema

register = template.Library()


@register.simple_tag
def patient_allergies(patient, user):
    """The patient's allergies and intolerances, most severe first; nothing for who may not see them."""
    if patient is None or user is None or not has_capability(user, "clinical.view"):
        return []
    from intramuros.clinical.selectors import allergies_for

    return allergies_for(patient)


@register.filter
def localized(item: dict, attr: str) -> str:
    return formschema.localized(item, attr)


@register.filter
def gestational(days) -> str:
    return formschema.format_gestational_age(days)


@register.filter
def kind_label(kind: str) -> str:
    from intramuros.clinical.timeline import KIND_LABELS

    return KIND_LABELS.get(kind, kind)
