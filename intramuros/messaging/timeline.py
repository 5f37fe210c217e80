from intramuros.core.timeline import TimelineEntry
from intramuros.messaging.selectors import patient_messages


def entries(*, patient, user):
    from django.urls import reverse

    for message in patient_messages(user=user, patient=patient)[:100]:
        yield TimelineEntry(at=message.created_at, kind="message", title=message.subject,
                            url=reverse("messaging:thread", args=[message.pk]), author=message.sender.display_name)
