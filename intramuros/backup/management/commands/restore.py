import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intramuros.backup import services


class Command(BaseCommand):
    help = "Bring the practice back from a backup archive into an empty data directory (--data-dir DIR)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="the .backup.age archive")
        parser.add_argument("--identity", action="append", type=Path, default=[], metavar="FILE",
                            help="age identity file: the practice's backup key")
        parser.add_argument("--passphrase-file", type=Path, metavar="FILE", help="file holding the passphrase")
        parser.add_argument("--force", action="store_true",
                            help="replace a data directory that is not empty (its content is set aside first)")

    def handle(self, *args, archive, identity, passphrase_file, force, **options):
        try:
            report = services.backup_restore(archive_path=archive, identity_files=identity,
                                             passphrase_file=passphrase_file, force=force,
                                             progress=sys.stderr.isatty())
        except services.BackupError as exc:
            raise CommandError(str(exc)) from None
        m = report.manifest
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup of {m['created_at']} into {report.data_dir}: "
            f"{sum(m['database']['tables'].values())} rows, {m['documents']['count']} documents, "
            f"all checked against the manifest."))
        self.stdout.write(f"The database is encrypted with {report.key_origin}.")
        if "new database key" in report.key_origin:
            self.stdout.write(self.style.WARNING("Keep a copy of the new key file somewhere safe."))
        if report.set_aside:
            self.stdout.write(f"The previous content was set aside in {report.set_aside}.")
        if report.settings:
            self.stdout.write("Settings in use on the old machine (set them again here if they still apply):")
            for name, value in report.settings.items():
                self.stdout.write(f"  {name}={value}")
        self.stdout.write("Next: `intramuros upgrade` if this version is newer, then `intramuros serve`.")
