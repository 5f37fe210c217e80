"""What prescriptions contribute to the patient timeline (see intramuros.core.timeline)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intramuros.accounts.access import has_capability
from intramuros.core.timeline import TimelineEntry
from intramuros.prescriptions.models import Prescription


def entries(*, patient, user):
    # Prescriptions are clinical content: the secretary sees none of them.
    if not (has_capability(user, "clinical.view") and has_capability(user, "prescriptions.write")):
        return []
    rows = (Prescription.objects.filter(patient=patient).select_related("prescriber")
            .prefetch_related("lines").order_by("-issued_at")[:200])
    for p in rows:
        lines = list(p.lines.all())
        title = ngettext("Prescription (%(count)d line)", "Prescription (%(count)d lines)", len(lines)) % {
            "count": len(lines)}
        if p.renewal_of_id:
            title = f"{title} · {_('renewal')}"
        yield TimelineEntry(
            at=p.issued_at, kind="prescription", title=title,
            url=reverse("prescriptions:detail", kwargs={"patient_id": patient.pk, "prescription_id": p.pk}),
            detail="; ".join(line.label for line in lines), author=p.prescriber.display_name)
