import os
import socket

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from intramuros.core import paths
from intramuros.core.database import ensure_reachable, legacy_page_format, pending_migrations
from intramuros.core.env import KNOWN
from intramuros.core.keys import read_key_file


class Command(BaseCommand):
    help = "Say in plain words whether this installation is healthy."

    def add_arguments(self, parser):
        parser.add_argument("--list-settings", dest="list_settings", action="store_true",
                            help="list the INTRAMUROS_* settings and what they do")

    def handle(self, *args, list_settings=False, **options):
        if list_settings:
            for name, text in KNOWN.items():
                self.stdout.write(f"{name:<36} {text}")
            return
        problems = []
        checks = [
            ("data directory", self._data_dir),
            ("keys", self._keys),
            ("database", self._database),
            ("TLS certificate", self._certificate),
        ]
        for label, check in checks:
            try:
                detail = check()
                self.stdout.write(f"ok    {label}: {detail}")
            except ImproperlyConfigured as exc:
                problems.append(str(exc))
                self.stdout.write(f"FAIL  {label}: {exc}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found; fix them as said above.")
        self.stdout.write(self.style.SUCCESS("The installation is healthy."))

    def _data_dir(self):
        directory = paths.data_dir()
        if not directory.is_dir():
            raise ImproperlyConfigured(f"{directory} does not exist: run `intramuros init`.")
        if not os.access(directory, os.W_OK):
            raise ImproperlyConfigured(f"{directory} is not writable: fix its permissions.")
        return str(directory)

    def _keys(self):
        if not paths.secret_key_file().exists():
            raise ImproperlyConfigured("the secret key is missing: run `intramuros init`.")
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlcipher"):
            read_key_file(paths.db_key_file())
        read_key_file(paths.files_key_file(), what="document key")
        return "present, readable by their owner only"

    def _database(self):
        ensure_reachable()
        pending = pending_migrations()
        if pending:
            raise ImproperlyConfigured(f"{len(pending)} database update(s) not applied: run `intramuros upgrade`.")
        from django.db import connection

        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA quick_check")
                result = cursor.fetchone()[0]
            if result != "ok":
                raise ImproperlyConfigured(f"the database failed its integrity check ({result}): restore a backup.")
            if legacy_page_format():  # serves as it is, more slowly
                return (f"encrypted embedded database {paths.database_file()}, integrity ok, up to date; its file "
                        "is in an older, slower format: run `intramuros upgrade` while Intramuros is stopped")
            return f"encrypted embedded database {paths.database_file()}, integrity ok, up to date"
        return f"PostgreSQL {connection.settings_dict['HOST']}/{connection.settings_dict['NAME']}, up to date"

    def _certificate(self):
        cert = paths.tls_dir() / "cert.pem"
        if not cert.exists():
            raise ImproperlyConfigured("no TLS certificate: run `intramuros init`.")
        return f"{cert} (host {socket.gethostname()})"
