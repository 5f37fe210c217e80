"""Reads for messages and tasks: a user sees only what was sent to or by them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from intramuros.core.prepared import Prepared
from intramuros.messaging.models import Delivery, Message, Task

# In the navigation of every page: compiled once (core/prepared.py); an inbox holds tens of unread
# messages, so their ids are read and counted here.
_UNREAD = Prepared(lambda recipient_id: Delivery.objects.filter(recipient_id=recipient_id, read_at__isnull=True,
                                                                archived=False).values_list("pk", flat=True))


def unread_count(*, user) -> int:
    return len(_UNREAD.list(recipient_id=user.pk))


def inbox(*, user, limit: int = 100) -> QuerySet[Delivery]:
    return (Delivery.objects.filter(recipient=user, archived=False)
            .select_related("message__sender", "message__patient").order_by("-message__created_at")[:limit])


def sent(*, user, limit: int = 100) -> QuerySet[Message]:
    return Message.objects.filter(sender=user).select_related("patient").order_by("-created_at")[:limit]


def visible_messages(*, user) -> QuerySet[Message]:
    return Message.objects.filter(Q(sender=user) | Q(deliveries__recipient=user)).distinct()


def message_for_user(*, user, message_id) -> Message | None:
    return visible_messages(user=user).select_related("sender", "patient").filter(pk=message_id).first()


def thread(*, root: Message) -> list[Message]:
    return [root, *root.replies.select_related("sender").order_by("created_at")]


def tasks_for(*, user, include_done: bool = False) -> QuerySet[Task]:
    qs = Task.objects.filter(assigned_to=user).select_related("patient", "created_by")
    return qs if include_done else qs.filter(done_at__isnull=True)


def patient_messages(*, user, patient) -> QuerySet[Message]:
    return visible_messages(user=user).filter(patient=patient).select_related("sender").order_by("-created_at")


def patient_mails(*, patient):
    from intramuros.messaging.models import OutgoingMail

    return OutgoingMail.objects.filter(patient=patient).select_related("sent_by").order_by("-created_at")[:100]
