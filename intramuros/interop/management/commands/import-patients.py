from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intramuros.interop.csv_import import TARGETS, CsvImportError, patients_import, read_csv


class Command(BaseCommand):
    help = "Import patients from another software's CSV export (a dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("csv", type=Path)
        parser.add_argument("--map", required=False, default="",
                            help=f"column=field pairs separated by commas; fields: {', '.join(TARGETS)}")
        parser.add_argument("--date-format", default="%d/%m/%Y")
        parser.add_argument("--apply", action="store_true", help="really import (default: report only)")
        parser.add_argument("--skip-bad-rows", action="store_true", help="import the good rows even if some are bad")
        parser.add_argument("--accept-duplicates", action="store_true", help="create possible duplicates too")

    def handle(self, *args, csv, map, date_format, apply, skip_bad_rows, accept_duplicates, **options):
        if not csv.is_file():
            raise CommandError(f"{csv} does not exist.")
        data = csv.read_bytes()
        if not map:
            headers, _rows = read_csv(data)
            raise CommandError("Give --map, e.g. --map 'Nom=birth_name,Prénom=first_names,Sexe=sex,Né le=birth_date'. "
                               f"Columns of this file: {', '.join(headers)}")
        try:
            mapping = dict(pair.split("=", 1) for pair in map.split(","))
            report = patients_import(actor="command line", data=data, mapping=mapping, apply=apply,
                                     date_format=date_format, skip_bad_rows=skip_bad_rows,
                                     accept_duplicates=accept_duplicates)
        except (ValueError, CsvImportError) as exc:
            raise CommandError(str(exc)) from None
        for row in report.rows:
            if row.status != "created":
                self.stdout.write(f"line {row.line}: {row.status}: {row.name} {row.message}")
        verb = "imported" if report.applied else "would be imported (dry run: nothing was saved)"
        self.stdout.write(f"{report.count('created')} patient(s) {verb}; {report.count('rejected')} rejected; "
                          f"{report.count('duplicate')} possible duplicate(s).")
        if apply and not report.applied:
            raise CommandError("Nothing was imported because some rows are bad: fix them, or use --skip-bad-rows.")
