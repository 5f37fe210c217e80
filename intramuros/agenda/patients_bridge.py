"""The agenda's two needs from the patients app: search, and creating a patient in two fields.

The patients app owns both (patient_search, patient_register); until they exist we fall back on a
minimal equivalent so the agenda works on its own.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.accounts.access import require
from intramuros.core.text import fold
from intramuros.patients.models import Patient, Sex


def search(*, user, text: str, limit: int = 10):
    require(user, "identity.view")
    text = (text or "").strip()
    if len(text) < 2:
        return []
    try:
        from intramuros.patients.selectors import patient_search
    except ImportError:
        patient_search = None
    if patient_search is not None:
        return list(patient_search(user=user, text=text, limit=limit))
    qs = Patient.objects.all()
    for word in fold(text).split():
        qs = qs.filter(search_names__contains=word)
    return list(qs.order_by("birth_name", "first_names")[:limit])


def split_name(name: str) -> tuple[str, str]:
    """ "DUPONT Marie", "Dupont, Marie" or "Dupont Marie": surname first, then first names."""
    name = " ".join((name or "").split())
    if "," in name:
        last, first = (p.strip() for p in name.split(",", 1))
    else:
        words = name.split(" ")
        upper = [w for w in words if w.isupper() and len(w) > 1]
        if upper and len(upper) < len(words):
            last = " ".join(upper)
            first = " ".join(w for w in words if w not in upper)
        else:
            last, first = words[0], " ".join(words[1:])
    if not last or not first:
        raise ValidationError(_("Give the surname then the first name, e.g. \"DUPONT Marie\"."), code="name")
    return last, first


def quick_create(*, actor, name: str, birth_date: datetime.date) -> Patient:
    """A new patient from a name and a birth date; the rest of the identity is completed later."""
    require(actor, "identity.edit")
    last, first = split_name(name)
    if birth_date > datetime.date.today() or birth_date.year < 1890:
        raise ValidationError(_("The birth date %(date)s is not plausible: check it.") % {"date": birth_date},
                              code="birth_date")
    try:
        from intramuros.patients.services import DuplicateSuspected, patient_register
    except ImportError:
        patient_register = None
    if patient_register is not None:
        try:
            return patient_register(actor=actor, birth_name=last, first_names=first, sex=Sex.OTHER,
                                    birth_date=birth_date)
        except DuplicateSuspected as exc:
            names = ", ".join(str(getattr(c, "patient", c)) for c in exc.candidates[:3])
            raise ValidationError(_("A similar patient already exists (%(names)s): search for them and choose "
                                    "them instead of creating a new file.") % {"names": names},
                                  code="duplicate") from None
    patient = Patient(birth_name=last.upper(), first_names=first, sex=Sex.OTHER, birth_date=birth_date)
    patient.save()
    audit.record(actor=actor, action="patients.patient.registered", target=patient, patient=patient,
                 source="agenda")
    return patient


def search_by_id(*, user, patient_id: int) -> Patient:
    """The patient chosen in the booking form, read through the patients app's access gate."""
    from intramuros.patients.access import patient_for_user

    return patient_for_user(user, patient_id, part="agenda")
