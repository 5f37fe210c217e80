"""The agenda's entries in the patient timeline: past and future appointments (cancelled ones included)."""

from __future__ import annotations

from django.urls import reverse

from intramuros.accounts.access import has_capability
from intramuros.agenda.models import Appointment, Status
from intramuros.core.timeline import TimelineEntry


def entries(*, patient, user):
    if not has_capability(user, "agenda.view"):
        return []
    rows = (Appointment.objects.filter(patient=patient).select_related("calendar", "type")
            .order_by("-start")[:200])
    result = []
    for a in rows:
        detail = a.get_status_display()
        if a.status == Status.CANCELLED and a.cancel_reason:
            detail = f"{detail}: {a.cancel_reason}"
        result.append(TimelineEntry(at=a.start, kind="appointment", title=str(a.type or a.calendar),
                                    url=reverse("agenda:appointment", args=[a.pk]), detail=detail,
                                    author=str(a.calendar)))
    return result
