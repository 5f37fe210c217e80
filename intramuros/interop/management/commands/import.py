from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intramuros.interop.fhir.bulk import fhir_import
from intramuros.interop.fhir.registry import FhirInputError

MAX_SHOWN = 500


class Command(BaseCommand):
    help = ("Import FHIR NDJSON into an empty practice: an Intramuros export (ids kept, all or nothing) or "
            "another software's (new ids): `intramuros import fhir IN [--dry-run] [--skip-rejected]`.")

    def add_arguments(self, parser):
        parser.add_argument("format", choices=["fhir"])
        parser.add_argument("folder", type=Path, help="folder of .ndjson files (one resource per line)")
        parser.add_argument("--dry-run", action="store_true",
                            help="check everything and report what would be created and rejected; import nothing")
        parser.add_argument("--skip-rejected", action="store_true",
                            help="another software's data: import what is valid even if some lines are rejected")

    def handle(self, *args, format, folder, dry_run, skip_rejected, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        try:
            report = fhir_import(actor="command line", folder=folder, dry_run=dry_run, skip_rejected=skip_rejected)
        except FhirInputError as exc:
            raise CommandError(str(exc)) from None
        origin = "another software (new ids)" if report.foreign else "an Intramuros export (ids kept)"
        self.stdout.write(f"Source: {origin}")
        verb = "would be created" if dry_run else ("created" if report.applied else "valid")
        self.stdout.write(f"{'resource':<22} {verb:>16}")
        for name, count in sorted(report.counts.items()):
            self.stdout.write(f"{name:<22} {count:>16}")
        self.stdout.write(f"{'rejected':<22} {len(report.errors):>16}")
        for error in report.errors[:MAX_SHOWN]:
            self.stdout.write(f"rejected: {error}")
        if len(report.errors) > MAX_SHOWN:
            self.stdout.write(f"... and {len(report.errors) - MAX_SHOWN} more rejections")
        if dry_run and report.errors:
            raise CommandError(f"Dry run: {len(report.errors)} line(s) would be rejected; nothing was imported.")
        if dry_run:
            self.stdout.write(self.style.SUCCESS("Dry run: everything would be imported; nothing was imported yet."))
        elif report.errors and not report.applied:
            hint = " or use --skip-rejected to import the rest" if report.foreign else ""
            raise CommandError(f"{len(report.errors)} problem(s): nothing was imported. Fix the data{hint}, "
                               "then retry.")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Imported; {len(report.errors)} line(s) rejected." if report.errors else "Imported."))
