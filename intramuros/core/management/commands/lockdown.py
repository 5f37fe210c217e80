import getpass

from django.core.management.base import BaseCommand

from intramuros.core.lockdown import lockdown_off, lockdown_on, lockdown_status


class Command(BaseCommand):
    help = "Lock the practice down (end remote sessions, refuse remote connections), lift it, or show its state."

    def add_arguments(self, parser):
        parser.add_argument("state", choices=["on", "off", "status"],
                            help="on: pull the plug on remote access; off: lift the lockdown; status: show it")

    def handle(self, *args, state, **options):
        actor = f"command line ({getpass.getuser()})"
        if state == "on":
            ended = lockdown_on(actor=actor)
            self.stdout.write(self.style.WARNING(
                f"Lockdown is on: {ended} remote session(s) ended; connections from outside the local networks "
                "are refused until `intramuros lockdown off`."))
        elif state == "off":
            if lockdown_off(actor=actor):
                self.stdout.write(self.style.SUCCESS("Lockdown lifted: remote access works again "
                                                     "(with two-factor login)."))
            else:
                self.stdout.write("Lockdown was not on: nothing changed.")
        else:
            status = lockdown_status()
            if status["lockdown"]:
                self.stdout.write(f"Lockdown is ON since {status['since']:%Y-%m-%d %H:%M} (by {status['by']}).")
            else:
                self.stdout.write("Lockdown is off.")
            if status["forbid_remote"]:
                self.stdout.write("Remote access is forbidden by the practice's security policy.")
