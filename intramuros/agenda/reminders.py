"""E-mail reminders the day before, through the practice's own SMTP server; off unless switched on.

The periodic job finds tomorrow's appointments and queues one background task per reminder; the task
sends it and writes the log. Nothing is sent when INTRAMUROS_SMTP_HOST is unset.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from intramuros import audit
from intramuros.agenda.models import AgendaSettings, Appointment, ReminderLog, Status
from intramuros.agenda.timeutil import day_bounds


def reminders_active() -> bool:
    return bool(getattr(settings, "SMTP_HOST", "")) and AgendaSettings.current().reminders_enabled


def due_reminders(*, day: datetime.date):
    """Booked appointments of `day` with an e-mail address and no reminder sent yet."""
    start, end = day_bounds(day)
    return (Appointment.objects.filter(start__gte=start, start__lt=end, status=Status.BOOKED)
            .exclude(patient__email="").exclude(reminders__outcome=ReminderLog.Outcome.SENT)
            .values_list("pk", flat=True))


def queue_reminders(*, day: datetime.date | None = None) -> int:
    """Queue one task per reminder due for `day` (tomorrow by default); returns how many were queued."""
    if not reminders_active():
        return 0
    day = day or timezone.localdate() + datetime.timedelta(days=1)
    ids = list(due_reminders(day=day))
    for pk in ids:
        send_reminder.enqueue(pk)
    return len(ids)


@task()
def send_reminder(appointment_id: int) -> str:
    appointment = (Appointment.objects.select_related("patient", "calendar").filter(pk=appointment_id).first())
    if appointment is None or appointment.status != Status.BOOKED:
        return "skipped"
    if appointment.reminders.filter(outcome=ReminderLog.Outcome.SENT).exists():
        return "already sent"
    recipient = appointment.patient.email
    if not reminders_active() or not recipient:
        ReminderLog.objects.create(appointment=appointment, recipient=recipient, outcome=ReminderLog.Outcome.SKIPPED,
                                   detail="reminders are off or no address")
        return "skipped"
    with translation.override(settings.LANGUAGE_CODE):
        when = date_format(timezone.localtime(appointment.start), "DATETIME_FORMAT")
        subject = _("Reminder: appointment on %(when)s") % {"when": when}
        body = _("Hello,\n\nThis is a reminder of your appointment with %(who)s on %(when)s.\n"
                 "If you cannot come, please call the practice to free the time for someone else.\n") % {
            "who": appointment.calendar.name, "when": when}
    try:
        send_mail(subject, body, None, [recipient], fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - the log says why; the next run tries again
        ReminderLog.objects.create(appointment=appointment, recipient=recipient, outcome=ReminderLog.Outcome.FAILED,
                                   detail=str(exc)[:300])
        return "failed"
    ReminderLog.objects.create(appointment=appointment, recipient=recipient, outcome=ReminderLog.Outcome.SENT)
    audit.record(actor=None, action="agenda.reminder.sent", target=appointment, patient=appointment.patient_id)
    return "sent"
