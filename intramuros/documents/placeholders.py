"""The values a letter template may use: an explicit dict of plain values, nothing else.

Templates never see a model instance (no method calls, no related managers, nothing beyond this list).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _age(birth: datetime.date | None, today: datetime.date) -> int | str:
    if not birth:
        return ""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def patient_values(patient, today: datetime.date) -> dict:
    if patient is None:
        return {key: "" for key in PLACEHOLDERS["patient"]}
    city = " ".join(p for p in (patient.postal_code, patient.city) if p)
    return {
        "name": f"{patient.first_names} {patient.display_surname}".strip(),
        "first_name": patient.first_names,
        "last_name": patient.display_surname,
        "birth_name": patient.birth_name.upper(),
        "birth_date": patient.birth_date,
        "age": _age(patient.birth_date, today),
        "sex": patient.sex,
        "civility": str(_("Mrs") if patient.sex == "F" else _("Mr")),
        "address": "\n".join(p for p in (patient.address, city) if p),
        "nir": patient.nir,
    }


def practitioner_values(user) -> dict:
    if user is None:
        return {key: "" for key in PLACEHOLDERS["practitioner"]}
    return {
        "name": user.display_name,
        "title": user.title,
        "first_name": user.first_name,
        "last_name": user.last_name.upper(),
        "specialty": user.specialty,
        "rpps": user.rpps,
        "phone": user.phone,
        "address": user.address,
    }


def practice_values(practice) -> dict:
    if practice is None:
        return {key: "" for key in PLACEHOLDERS["practice"]}
    return {"name": practice.name, "address": practice.address, "phone": practice.phone, "email": practice.email}


# placeholder -> attribute names tried in turn on the consultation object
CONSULTATION_ATTRIBUTES = {"date": ("date", "at"), "history": ("history", "history_notes")}


def consultation_values(consultation) -> dict:
    """Read by attribute name only, so that the clinical app's model may evolve without breaking letters."""
    values = {key: "" for key in PLACEHOLDERS["consultation"]}
    if consultation is None:
        return values
    for key in values:
        for attribute in CONSULTATION_ATTRIBUTES.get(key, (key,)):
            value = getattr(consultation, attribute, None)
            if value not in (None, "") and not callable(value):
                values[key] = value
                break
    when = values.get("date")
    if isinstance(when, datetime.datetime):
        values["date"] = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    return values


def values_for(*, patient=None, practitioner=None, practice=None, consultation=None, today=None) -> dict:
    today = today or timezone.localdate()
    return {
        "patient": patient_values(patient, today),
        "practitioner": practitioner_values(practitioner),
        "practice": practice_values(practice),
        "consultation": consultation_values(consultation),
        "today": today,
    }


# name -> {key: description}; "today" is a date on its own.
PLACEHOLDERS: dict[str, dict[str, str] | str] = {
    "patient": {
        "name": _("first names and surname"),
        "first_name": _("first names"),
        "last_name": _("surname in use (upper case)"),
        "birth_name": _("birth name"),
        "birth_date": _("date of birth (a date: use |date:\"d/m/Y\")"),
        "age": _("age in years"),
        "sex": _("sex (F or M)"),
        "civility": _("Mrs or Mr"),
        "address": _("postal address (several lines: use |linebreaksbr)"),
        "nir": _("social-security number"),
    },
    "practitioner": {
        "name": _("title and name"),
        "title": _("title (e.g. Dr)"),
        "first_name": _("first name"),
        "last_name": _("surname"),
        "specialty": _("specialty"),
        "rpps": _("RPPS number"),
        "phone": _("phone"),
        "address": _("address"),
    },
    "practice": {
        "name": _("practice name"),
        "address": _("practice address"),
        "phone": _("practice phone"),
        "email": _("practice e-mail"),
    },
    "consultation": {
        "date": _("date of the consultation"),
        "reason": _("reason for the visit"),
        "history": _("history of the complaint"),
        "examination": _("examination findings"),
        "conclusion": _("conclusion"),
    },
    "today": _("today's date"),
}


def sample_values() -> dict:
    """Fictitious values for previews: never a real patient's data in the templates page."""
    today = timezone.localdate()
    return {
        "patient": {
            "name": "Jeanne MARTIN", "first_name": "Jeanne", "last_name": "MARTIN", "birth_name": "DUPONT",
            "birth_date": datetime.date(1980, 3, 14), "age": _age(datetime.date(1980, 3, 14), today), "sex": "F",
            "civility": str(_("Mrs")), "address": "12 rue des Lilas\n75011 Paris", "nir": "280037511234567",
        },
        "practitioner": {
            "name": "Dr Alice BERNARD", "title": "Dr", "first_name": "Alice", "last_name": "BERNARD",
            "specialty": "Médecine générale", "rpps": "10001234567", "phone": "01 23 45 67 89",
            "address": "1 place de la Mairie\n75011 Paris",
        },
        "practice": {"name": "Cabinet médical", "address": "1 place de la Mairie\n75011 Paris",
                     "phone": "01 23 45 67 89", "email": "cabinet@example.org"},
        "consultation": {
            "date": today, "reason": "Douleur thoracique à l'effort", "history": "Depuis trois semaines.",
            "examination": "TA 135/85, auscultation normale.",
            "conclusion": "Angor d'effort probable : avis cardiologique souhaité.",
        },
        "today": today,
    }
