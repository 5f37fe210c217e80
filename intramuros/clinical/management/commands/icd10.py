"""`intramuros icd10 load` and `intramuros icd10 import-claml FILE`."""

from django.core.management.base import BaseCommand, CommandError

from intramuros.clinical import icd10


class Command(BaseCommand):
    help = ("ICD-10 codes: 'load' the WHO ICD-10 shipped with Intramuros; 'import-claml FILE' adds the French "
            "labels of the ATIH CIM-10 (ClaML XML file).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="{load,import-claml}")
        sub.add_parser("load", help="load (or refresh) the WHO ICD-10 2019 codes, offline")
        claml = sub.add_parser("import-claml", help="import the French CIM-10 labels from the ATIH ClaML file")
        claml.add_argument("file", help="path of the ClaML XML file (e.g. CIM10GM2025_CLAML_S_FR.xml)")

    def handle(self, *args, action=None, file=None, **options):
        if action == "load":
            count = icd10.icd10_load()
            self.stdout.write(f"ICD-10: {count} codes added or updated.")
        elif action == "import-claml":
            try:
                report = icd10.icd10_import_claml(file)
            except icd10.ClamlError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"CIM-10: {report.updated} French labels imported, {report.created} codes added.")
        else:
            raise CommandError("Say what to do: intramuros icd10 load, or intramuros icd10 import-claml FILE.")
