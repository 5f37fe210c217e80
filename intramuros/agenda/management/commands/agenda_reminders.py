import datetime

from django.core.management.base import BaseCommand, CommandError

from intramuros.agenda.reminders import queue_reminders, reminders_active


class Command(BaseCommand):
    help = "Queue now the e-mail reminders of a day's appointments (tomorrow by default) not sent yet."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="the day of the appointments, YYYY-MM-DD (default: tomorrow)")

    def handle(self, *args, day=None, **options):
        if not reminders_active():
            raise CommandError("Reminders are off: set INTRAMUROS_SMTP_HOST and switch them on in the agenda's "
                               "options first.")
        try:
            when = datetime.date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"{day!r} is not a date: give it as YYYY-MM-DD.") from None
        count = queue_reminders(day=when)
        self.stdout.write(f"{count} reminder(s) queued.")
