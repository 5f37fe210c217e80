import getpass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from intramuros import audit
from intramuros.core import lockedstart
from intramuros.core.keyrotation import RotationError, default_paths, rotate_keys


def _passphrase(options, *, confirm: bool = False) -> str:
    if options.get("passphrase_file"):
        try:
            return Path(options["passphrase_file"]).read_text().splitlines()[0]
        except (OSError, IndexError):
            raise CommandError(f"Cannot read a passphrase from {options['passphrase_file']}.") from None
    first = getpass.getpass("Passphrase of the practice's keys: ")
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        raise CommandError("The two passphrases differ: nothing was changed.")
    return first


class Command(BaseCommand):
    help = "Manage the keys: `key rotate` (new keys for database and documents), `key lock`, `key unlock`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{rotate,lock,unlock,status}")
        rotate = sub.add_parser("rotate", help="re-encrypt the database and the document files under new keys "
                                               "(stop the server first; an interrupted rotation resumes when "
                                               "run again)")
        lock = sub.add_parser("lock", help="wrap the keys with a passphrase: after a reboot, nothing can be read "
                                           "until `key unlock` (or `serve --locked`)")
        unlock = sub.add_parser("unlock", help="unwrap the keys into memory until the machine stops")
        sub.add_parser("status", help="say whether the keys are locked and unlocked")
        for p in (rotate, lock, unlock):
            p.add_argument("--passphrase-file", help="read the passphrase from this file's first line "
                                                     "(default: ask for it)")

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, f"do_{subcommand}")(options)
        except (lockedstart.LockError, RotationError) as exc:
            raise CommandError(str(exc)) from None

    def do_status(self, options):
        if not lockedstart.is_locked():
            self.stdout.write("The keys are plain files (not locked with a passphrase).")
        elif lockedstart.is_unlocked():
            self.stdout.write(f"The keys are locked with a passphrase, and unlocked in memory "
                              f"({lockedstart.runtime_dir()}) until the machine stops.")
        else:
            self.stdout.write("The keys are locked: run `intramuros key unlock` before anything can be read.")

    def do_lock(self, options):
        locked = lockedstart.lock(_passphrase(options, confirm=True))
        audit.record(actor="command line", action="security.keys.locked", flagged=True)
        self.stdout.write(self.style.SUCCESS(
            f"The keys are locked in {locked}. After a restart, run `intramuros key unlock` (or "
            "`intramuros serve --locked`). Without the passphrase the data cannot be read by anyone: keep it "
            "in a safe place."))

    def do_unlock(self, options):
        ram = lockedstart.unlock(_passphrase(options))
        self.stdout.write(self.style.SUCCESS(f"The keys are unlocked in memory ({ram}) until the machine stops."))
        try:
            audit.record(actor="command line", action="security.keys.unlocked", flagged=True, via="key unlock")
        except (DatabaseError, ImproperlyConfigured) as exc:  # the keys are open all the same: say it, go on
            self.stderr.write(f"Warning: the unlock could not be written to the audit log ({exc}): run "
                              "`intramuros check`.")

    def do_rotate(self, options):
        relock = lockedstart.is_locked()
        passphrase = _passphrase(options) if relock else ""
        if relock:
            lockedstart.unlock(passphrase)  # checks the passphrase before anything changes
        rotation_paths = default_paths()
        if rotation_paths.database is not None and connection.vendor == "sqlite":
            # Our own connection must not hold the database open under the old key while it is re-keyed.
            connection.close()
        result = rotate_keys(rotation_paths=rotation_paths,
                             on_file=lambda path, outcome: self.stdout.write(".", ending=""))
        self.stdout.write("")
        if relock:
            lockedstart.locked_file().unlink()
            lockedstart.lock(passphrase)
        audit.record(actor="command line", action="security.keys.rotated", flagged=True,
                     files=result.files_reencrypted, already=result.files_already_done,
                     unreadable=len(result.files_unreadable), database=result.database, resumed=result.resumed)
        if result.resumed:
            self.stdout.write("An interrupted rotation was found and completed.")
        self.stdout.write(self.style.SUCCESS(
            f"Keys rotated: {result.files_reencrypted + result.files_already_done} document file(s) under the new "
            f"key, database: {result.database}. The old keys are kept in {result.retired_dir}: backups made "
            "before today need them; delete them when those backups expire. Copy the new keys to your safe place."))
        for name in result.files_unreadable:
            self.stderr.write(f"Warning: {name} could not be read with the old key either (damaged before the "
                              "rotation): restore it from a backup made before today, with the retired key.")
