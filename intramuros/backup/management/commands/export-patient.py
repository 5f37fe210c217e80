from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intramuros.backup.export import patient_export


class Command(BaseCommand):
    help = "Export a patient's complete file (PDF, JSON and documents) into a directory, on the patient's request."

    def add_arguments(self, parser):
        parser.add_argument("patient_id", type=int, help="the patient's number")
        parser.add_argument("out", type=Path, help="directory to write the export into (created if needed)")

    def handle(self, *args, patient_id, out, **options):
        from intramuros.patients.models import Patient

        patient = Patient.all_objects.filter(pk=patient_id).first()
        if patient is None:
            raise CommandError(f"There is no patient number {patient_id}: check the number in the patient's file.")
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} is a file: give a directory.")
        files = patient_export(patient=patient, actor="command line")
        for name, data in files.items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            target.write_bytes(data)
            target.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Exported {len(files)} file(s) for patient {patient_id} into {out}."))
