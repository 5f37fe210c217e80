from django.core.management.base import BaseCommand, CommandError

from intramuros.core.migrate_pg import MigrationRefused, migrate_to_postgres


class Command(BaseCommand):
    help = ("Move the practice from the embedded database to PostgreSQL (an empty database): schema, every "
            "row, checked counts; the embedded file is left untouched.")

    def add_arguments(self, parser):
        parser.add_argument("url", help="the target, e.g. postgres://intramuros:PASSWORD@db-host:5432/intramuros")

    def handle(self, *args, url, **options):
        try:
            counts = migrate_to_postgres(url, log=self.stdout.write)
        except MigrationRefused as exc:
            raise CommandError(str(exc)) from None
        rows = sum(c.target for c in counts)
        self.stdout.write(self.style.SUCCESS(
            f"Moved {rows} rows in {len(counts)} tables; every table has the same count in PostgreSQL."))
        self.stdout.write("The embedded database was not changed. To run on PostgreSQL from now on, set "
                          f"INTRAMUROS_DATABASE_URL={url} for the server and the commands, then restart.")
