from django.core.management import call_command
from django.core.management.base import BaseCommand

from intramuros.core import paths
from intramuros.core.database import ensure_reachable
from intramuros.core.datadir import ensure_certificate, initialise_keys


class Command(BaseCommand):
    help = "Prepare the data directory: keys, TLS certificate, database. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--hostname", action="append", default=[],
                            help="extra host name for the TLS certificate (repeatable)")

    def handle(self, *args, hostname, verbosity, **options):
        directory = paths.data_dir()
        created = initialise_keys(directory)
        _cert, _key, new_cert = ensure_certificate(hostname)
        if new_cert:
            created.append(f"TLS certificate {paths.tls_dir() / 'cert.pem'}")
        ensure_reachable()
        call_command("migrate", interactive=False, verbosity=0)
        for item in created:
            self.stdout.write(f"created {item}")
        self.stdout.write(self.style.SUCCESS(f"Data directory {directory} is ready."))
        if any("database key" in c for c in created):
            self.stdout.write(self.style.WARNING(
                f"Keep a copy of {paths.db_key_file()} somewhere safe (a USB key in a safe): "
                "without it the database cannot be read."))
