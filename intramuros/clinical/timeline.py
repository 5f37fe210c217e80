"""What the medical record contributes to the patient timeline (intramuros.core.timeline)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intramuros.accounts.access import has_capability
from intramuros.core.timeline import TimelineEntry

# Every kind an app may contribute, for the filter of the timeline page.
KIND_LABELS = {
    "consultation": gettext_lazy("Consultations"),
    "antecedent": gettext_lazy("Antecedents"),
    "allergy": gettext_lazy("Allergies"),
    "treatment": gettext_lazy("Treatments"),
    "vaccination": gettext_lazy("Vaccinations"),
    "problem": gettext_lazy("Problems"),
    "prescription": gettext_lazy("Prescriptions"),
    "document": gettext_lazy("Documents"),
    "letter": gettext_lazy("Letters"),
    "lab": gettext_lazy("Lab results"),
    "payment": gettext_lazy("Payments"),
    "appointment": gettext_lazy("Appointments"),
}


def _at(day: datetime.date) -> datetime.datetime:
    """A date-only event sits at noon of that day, local time."""
    return datetime.datetime.combine(day, datetime.time(12), timezone.get_current_timezone())


def entries(*, patient, user):
    if not has_capability(user, "clinical.view"):
        return []
    from intramuros.clinical.models import Allergy, Antecedent, Consultation, Problem, Treatment, Vaccination

    record = reverse("clinical:record", kwargs={"patient_id": patient.pk})
    out = []
    for c in Consultation.objects.filter(patient=patient).select_related("practitioner"):
        out.append(TimelineEntry(
            at=c.at, kind="consultation", title=c.reason or _("Consultation"),
            url=reverse("clinical:consultation_detail", kwargs={"patient_id": patient.pk, "pk": c.pk}),
            detail=(c.conclusion or "")[:200], author=c.practitioner.display_name))
    for a in Antecedent.objects.filter(patient=patient):
        out.append(TimelineEntry(at=a.created_at, kind="antecedent", url=record,
                                 title=_("Antecedent added: %(label)s") % {"label": a.label},
                                 detail=a.get_category_display()))
    for a in Allergy.objects.filter(patient=patient):
        out.append(TimelineEntry(at=a.created_at, kind="allergy", url=record,
                                 title=_("Allergy recorded: %(substance)s") % {"substance": a.substance},
                                 detail=a.reaction))
    for t in Treatment.objects.filter(patient=patient):
        out.append(TimelineEntry(at=_at(t.start), kind="treatment", url=record,
                                 title=_("Treatment started: %(drug)s") % {"drug": t.drug}, detail=t.dosage))
        if t.end and t.end <= timezone.localdate():
            out.append(TimelineEntry(at=_at(t.end), kind="treatment", url=record,
                                     title=_("Treatment ended: %(drug)s") % {"drug": t.drug}))
    for v in Vaccination.objects.filter(patient=patient):
        out.append(TimelineEntry(at=_at(v.given_on), kind="vaccination", url=record, title=v.vaccine,
                                 detail=v.dose))
    for p in Problem.objects.filter(patient=patient):
        out.append(TimelineEntry(at=_at(p.since) if p.since else p.created_at, kind="problem", url=record,
                                 title=p.label, detail=p.get_status_display()))
    return out
