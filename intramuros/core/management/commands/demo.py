from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from intramuros.core.demo import DEMO_USERS, demo_load
from intramuros.patients.models import Patient


class Command(BaseCommand):
    help = "Load the demo practice (3 practitioners, a secretary, a few hundred patients) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=300, help="number of patients (default 300)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same practice)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing, quietly, if patients exist")

    def handle(self, *args, patients, seed, if_empty, **options):
        if Patient.all_objects.exists():
            if not if_empty:
                self.stdout.write("The database already holds patients: the demo was not loaded again.")
        else:
            demo_load(patients=patients, seed=seed)
            self.stdout.write(self.style.SUCCESS(f"Demo practice loaded: {patients} patients."))
        self.stdout.write("Demo logins (user / password):")
        for username, password, role, admin, *_rest in DEMO_USERS:
            extra = " + " + _("administrator") if admin else ""
            self.stdout.write(f"  {username:<8} {password:<26} {role.label}{extra}")
