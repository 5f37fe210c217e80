from django.core.management.base import BaseCommand, CommandError

from intramuros.audit.services import anchor_file, anchor_now, audit_verify


class Command(BaseCommand):
    help = "Check the audit log (`audit verify`) or anchor its current end (`audit anchor`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,anchor}")
        sub.add_parser("verify", help="check the hash chain and its anchors; names the first row that was "
                                      "altered, removed or inserted (exit code 1 then)")
        sub.add_parser("anchor", help="write an anchor of the current end of the log now")

    def handle(self, *args, subcommand, **options):
        if subcommand == "anchor":
            anchor = anchor_now(reason="manual")
            if anchor is None:
                self.stdout.write("Nothing new to anchor: the end of the log is already anchored.")
            else:
                self.stdout.write(f"Anchored row {anchor.seq} (also in {anchor_file()}).")
            return
        report = audit_verify()
        if not report.ok:
            self.stderr.write(f"The audit log has been tampered with: {report.reason}. "
                              f"{report.checked} row(s) before it are intact.")
            raise CommandError(f"audit log check failed at row {report.broken_at}", returncode=1)
        for warning in report.warnings:
            self.stderr.write(f"Warning: {warning}.")
        self.stdout.write(self.style.SUCCESS(
            f"The audit log is intact: {report.checked} row(s) chained, {report.anchors_checked} anchor(s) match."))
