from django.urls import reverse

from intramuros.accounts.access import has_capability
from intramuros.core.timeline import TimelineEntry
from intramuros.interop.models import LabMessage, LabMessageStatus


def entries(*, patient, user):
    if not has_capability(user, "labs.view"):
        return
    for message in LabMessage.objects.filter(patient=patient, status=LabMessageStatus.FILED).order_by("-filed_at")[:100]:
        yield TimelineEntry(at=message.filed_at, kind="lab", title=message.laboratory or "Lab results",
                            url=reverse("interop:patient_labs", args=[patient.pk]),
                            detail=f"{len(message.parsed.get('results', []))} results")
