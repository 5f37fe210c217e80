import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from pyrage import x25519

from intramuros.backup import services
from intramuros.backup.models import BackupRun
from intramuros.core.keys import write_secret_file

# The command line speaks English, like every other command's output.
STATES = {BackupRun.Verification.OK: "restored and verified", BackupRun.Verification.FAILED: "verification FAILED",
          BackupRun.Verification.PENDING: "not verified"}


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


class Command(BaseCommand):
    help = ("Back up the practice (database, documents, settings) into an encrypted archive; "
            "`backup verify ARCHIVE` checks one; `backup keygen FILE` makes the practice's backup key.")

    def add_arguments(self, parser):
        parser.add_argument("--to", action="append", default=[], metavar="DIR",
                            help="destination directory (repeatable; default INTRAMUROS_BACKUP_DIRS)")
        parser.add_argument("--include-db-key", action="store_true",
                            help="also put the database key in the archive (it is left out by default)")
        parser.add_argument("--no-verify", action="store_true",
                            help="do not restore-test the archive afterwards (it will not count as a backup)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        sub = parser.add_subparsers(dest="action", required=False, metavar="{verify,keygen,prune}")
        verify = sub.add_parser("verify", help="restore an archive into a scratch directory and check it")
        verify.add_argument("archive", type=Path)
        verify.add_argument("--identity", action="append", type=Path, default=[], metavar="FILE",
                            help="age identity file (the practice's backup key)")
        verify.add_argument("--passphrase-file", type=Path, metavar="FILE", help="file holding the passphrase")
        keygen = sub.add_parser("keygen", help="make the practice's backup key pair")
        keygen.add_argument("file", type=Path, help="where to write the secret key (keep it off this machine)")
        sub.add_parser("prune", help="apply the retention rules (7 daily, 12 monthly, 1 per year) now")

    def handle(self, *args, action=None, **options):
        progress = not options.get("no_progress") and sys.stderr.isatty()
        services.lower_priority()
        try:
            if action == "verify":
                return self._verify(options, progress)
            if action == "keygen":
                return self._keygen(options["file"])
            if action == "prune":
                return self._prune()
            return self._backup(options, progress)
        except services.BackupError as exc:
            raise CommandError(str(exc)) from None

    def _backup(self, options, progress):
        destinations = [Path(d) for d in options["to"]] or services.configured_destinations()
        result = services.backup_create(destinations=destinations, include_db_key=options["include_db_key"],
                                        verify=not options["no_verify"], progress=progress)
        m = result.manifest
        self.stdout.write(f"Archive {result.name}: {_mb(result.size)} in {result.seconds:.1f} s "
                          f"({result.size / 1e6 / max(result.seconds, 1e-6):.1f} MB/s); "
                          f"{sum(m['database']['tables'].values())} rows in {len(m['database']['tables'])} tables, "
                          f"{m['documents']['count']} documents.")
        if m["database"]["engine"] == "postgresql":
            self.stdout.write("PostgreSQL database saved with pg_dump (custom format).")
        for run in result.runs:
            state = STATES[run.verification] if run.written else "NOT WRITTEN"
            line = f"  {run.archive_path}: {state}" + (f" - {run.message}" if not run.is_verified else "")
            self.stdout.write(self.style.SUCCESS(line) if run.is_verified else self.style.WARNING(line))
        if options["include_db_key"]:
            self.stdout.write(self.style.WARNING("The database key is inside this archive: keep it as safe as the key."))
        if not result.verified and not options["no_verify"]:
            raise CommandError("At least one copy failed its verification: see the lines above.")

    def _verify(self, options, progress):
        report = services.backup_verify(archive_path=options["archive"], identity_files=options["identity"],
                                        passphrase_file=options["passphrase_file"], progress=progress)
        if not report.ok:
            raise CommandError(f"The archive {report.archive} is NOT good: " + "; ".join(report.problems) + ".")
        m = report.manifest
        self.stdout.write(self.style.SUCCESS(
            f"The archive {report.archive} is good: made {m['created_at']}, database integrity ok, "
            f"{sum(m['database']['tables'].values())} rows in {len(m['database']['tables'])} tables and "
            f"{m['documents']['count']} documents match the manifest "
            f"({_mb(report.bytes_read)} checked in {report.seconds:.1f} s)."))

    def _keygen(self, file: Path):
        if file.exists():
            raise CommandError(f"{file} exists already: choose another name (never overwrite a backup key).")
        identity = x25519.Identity.generate()
        write_secret_file(file, f"# Intramuros backup key: public key {identity.to_public()}\n{identity}\n")
        self.stdout.write(f"Secret key written to {file}: keep it off this machine (a USB key in a safe), "
                          "it is the only way to read the backups on another machine.")
        self.stdout.write(f"Then set INTRAMUROS_BACKUP_RECIPIENT={identity.to_public()}")

    def _prune(self):
        for directory in services.configured_destinations():
            removed = services.backup_prune(directory=directory, actor="command line")
            self.stdout.write(f"{directory}: {len(removed)} archive(s) removed.")
