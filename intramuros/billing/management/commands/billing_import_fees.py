from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from intramuros.billing.services import fee_import


class Command(BaseCommand):
    help = ("Import acts into the fee schedule from a CSV file (code;label;price[;kind[;active]]). "
            "Checks only, unless --apply; with any bad row nothing is imported, unless --skip-bad-rows.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, separator ; or , or tab, with a header line")
        parser.add_argument("--practitioner", help="username: import as this practitioner's own prices")
        parser.add_argument("--apply", action="store_true", help="apply the import (default: dry run)")
        parser.add_argument("--skip-bad-rows", action="store_true", help="import the good rows, skip the bad")

    def handle(self, *args, file, practitioner, apply, skip_bad_rows, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"The file {path} does not exist.")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = path.read_text(encoding="cp1252")
        user = None
        if practitioner:
            user = get_user_model().objects.filter(username=practitioner).first()
            if user is None or not user.is_practitioner:
                raise CommandError(f"There is no practitioner with the username {practitioner}.")
        report = fee_import(actor=None, text=text, practitioner=user, apply=apply, skip_bad_rows=skip_bad_rows)
        for line, message in report.errors:
            self.stderr.write(f"line {line}: {message}")
        self.stdout.write(f"{len(report.rows)} good rows, {len(report.errors)} bad rows.")
        if report.applied:
            self.stdout.write(self.style.SUCCESS(f"Applied: {report.created} acts added, {report.updated} changed."))
        elif apply and report.errors:
            raise CommandError("Nothing was imported because some rows are bad: correct them, or use "
                               "--skip-bad-rows to import the good ones.")
        else:
            self.stdout.write("Dry run: nothing was changed (add --apply to import).")
