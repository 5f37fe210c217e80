from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intramuros.interop.fhir.bulk import fhir_import
from intramuros.interop.fhir.registry import FhirInputError


class Command(BaseCommand):
    help = "Import a FHIR NDJSON export into an empty practice: `intramuros import fhir IN [--dry-run]`."

    def add_arguments(self, parser):
        parser.add_argument("format", choices=["fhir"])
        parser.add_argument("folder", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check everything, import nothing")

    def handle(self, *args, format, folder, dry_run, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        try:
            report = fhir_import(actor="command line", folder=folder, dry_run=dry_run)
        except FhirInputError as exc:
            raise CommandError(str(exc)) from None
        for name, count in sorted(report.counts.items()):
            self.stdout.write(f"{name:<22} {count:>8}")
        for error in report.errors[:200]:
            self.stdout.write(f"rejected: {error}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} problem(s): nothing was imported. Fix the export and retry.")
        self.stdout.write(self.style.SUCCESS("Dry run: everything would be imported." if dry_run else "Imported."))
