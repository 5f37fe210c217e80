"""Writes for messages and tasks: each one audited when it concerns a patient."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.accounts.access import has_capability
from intramuros.messaging.models import Delivery, Message, Priority, Task


def _check_recipients(recipients) -> list:
    active = [u for u in recipients if u.is_active]
    if not active:
        raise ValidationError(_("Choose at least one recipient."))
    return active


@transaction.atomic
def message_send(*, sender, recipients, subject: str, body: str, priority: str = Priority.NORMAL,
                 patient=None, thread: Message | None = None) -> Message:
    if priority not in Priority.values:
        raise ValidationError(_("Unknown priority."))
    if not has_capability(sender, "messages.use"):
        raise PermissionError("sender may not use messages")
    message = Message.objects.create(sender=sender, subject=subject.strip()[:200], body=body, priority=priority,
                                     patient=patient, thread=thread.thread_root if thread else None)
    Delivery.objects.bulk_create(
        [Delivery(message=message, recipient=user) for user in _check_recipients(recipients) if user != sender]
        or [Delivery(message=message, recipient=sender)]
    )
    audit.record(actor=sender, action="messaging.message.sent", target=message, patient=patient,
                 recipients=len(recipients))
    return message


@transaction.atomic
def message_reply(*, sender, to: Message, body: str) -> Message:
    root = to.thread_root
    people = {root.sender, *root.recipients.all()} - {sender}
    subject = root.subject if root.subject.lower().startswith("re:") else f"Re: {root.subject}"
    return message_send(sender=sender, recipients=list(people) or [root.sender], subject=subject, body=body,
                        priority=root.priority, patient=root.patient, thread=root)


def message_mark_read(*, user, message: Message) -> None:
    Delivery.objects.filter(message__in=[message.thread_root, *message.thread_root.replies.all()],
                            recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def message_read(*, user, message: Message) -> None:
    """The user opens a conversation: marked read, and audited (a message often speaks of a patient)."""
    message_mark_read(user=user, message=message)
    audit.record(actor=user, action="messaging.message.viewed", target=message, patient=message.patient_id)


@transaction.atomic
def task_create(*, creator, assignee, title: str, detail: str = "", patient=None,
                due_date: datetime.date | None = None) -> Task:
    if not assignee.is_active:
        raise ValidationError(_("This user is no longer active: assign the task to someone else."))
    task = Task.objects.create(created_by=creator, assigned_to=assignee, title=title.strip()[:200], detail=detail,
                               patient=patient, due_date=due_date)
    audit.record(actor=creator, action="messaging.task.created", target=task, patient=patient)
    return task


@transaction.atomic
def task_complete(*, user, task: Task) -> Task:
    if task.done_at is None:
        task.done_at, task.done_by = timezone.now(), user
        task.save(update_fields=["done_at", "done_by", "updated_at"])
        audit.record(actor=user, action="messaging.task.completed", target=task, patient=task.patient_id)
    return task


@transaction.atomic
def task_reopen(*, user, task: Task) -> Task:
    task.done_at, task.done_by = None, None
    task.save(update_fields=["done_at", "done_by", "updated_at"])
    audit.record(actor=user, action="messaging.task.reopened", target=task, patient=task.patient_id)
    return task
