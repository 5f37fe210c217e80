import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from intramuros.backup import services


class Command(BaseCommand):
    help = "Update the database to this version: backs up first, and puts the backup back if the update fails."
    requires_system_checks = []

    def handle(self, *args, **options):
        def migrate():
            call_command("migrate", interactive=False, verbosity=0)

        try:
            message = services.upgrade_run(migrate=migrate, say=self.stdout.write, progress=sys.stderr.isatty())
        except (services.UpgradeFailed, services.BackupError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(message))
