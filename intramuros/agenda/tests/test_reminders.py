import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from intramuros.agenda import jobs, reminders, services
from intramuros.agenda.models import AgendaSettings, ReminderLog
from intramuros.agenda.tests.conftest import at

pytestmark = pytest.mark.django_db
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def tomorrow_appt(dr_alice, charlie_cal, jeanne_martin):
    jeanne_martin.email = "jeanne@example.org"
    jeanne_martin.save()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return services.appointment_book(actor=dr_alice, calendar=charlie_cal, patient=jeanne_martin,
                                     start=at(tomorrow, 10), duration_minutes=15, force=True)


def _enable():
    s = AgendaSettings.current()
    s.reminders_enabled = True
    s.save()


@override_settings(EMAIL_BACKEND=LOCMEM, SMTP_HOST="smtp.cabinet.local")
def test_reminders_are_off_by_default(tomorrow_appt):
    assert jobs.reminders_for_tomorrow() == 0
    assert not mail.outbox


@override_settings(EMAIL_BACKEND=LOCMEM, SMTP_HOST="")
def test_no_smtp_server_means_no_reminders(tomorrow_appt):
    _enable()
    assert reminders.queue_reminders() == 0 and not mail.outbox


@override_settings(EMAIL_BACKEND=LOCMEM, SMTP_HOST="smtp.cabinet.local")
def test_reminder_sent_once_and_logged(tomorrow_appt):
    _enable()
    assert jobs.reminders_for_tomorrow() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jeanne@example.org"]
    assert "Dr Charles Lemaire" in mail.outbox[0].body
    log = ReminderLog.objects.get()
    assert log.outcome == ReminderLog.Outcome.SENT and log.appointment == tomorrow_appt
    assert jobs.reminders_for_tomorrow() == 0  # the next run does not send it twice
    assert len(mail.outbox) == 1


@override_settings(EMAIL_BACKEND=LOCMEM, SMTP_HOST="smtp.cabinet.local")
def test_cancelled_appointments_get_no_reminder(dr_alice, tomorrow_appt):
    _enable()
    services.appointment_cancel(actor=dr_alice, appointment=tomorrow_appt, reason="Annulé")
    assert reminders.queue_reminders() == 0 and not mail.outbox


def test_command_says_when_reminders_are_off():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Reminders are off"):
        call_command("agenda_reminders")
