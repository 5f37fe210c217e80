from pathlib import Path

from django.core.management.base import BaseCommand

from intramuros.interop.fhir.bulk import fhir_export


class Command(BaseCommand):
    help = "Export the practice (or one patient) as FHIR NDJSON files with a manifest: `intramuros export fhir OUT`."

    def add_arguments(self, parser):
        parser.add_argument("format", choices=["fhir"])
        parser.add_argument("out", type=Path, help="folder to write the NDJSON files into")
        parser.add_argument("--patient", type=int, help="only this patient's file (its number)")

    def handle(self, *args, format, out, patient, **options):
        manifest = fhir_export(actor="command line", out=out, patient_id=patient)
        for name, entry in manifest["resources"].items():
            self.stdout.write(f"{name:<22} {entry['count']:>8}  {entry['file']}")
        self.stdout.write(self.style.SUCCESS(f"Export written to {out}"))
