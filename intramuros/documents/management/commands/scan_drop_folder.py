from django.core.management.base import BaseCommand

from intramuros.documents.dropfolder import drop_dir, scan_drop_folder


class Command(BaseCommand):
    help = ("Move the scanner's files from the drop folder (INTRAMUROS_DROP_DIR, default DATA_DIR/drop) into the "
            "encrypted inbox of documents to file, now (the server also does it every 30 seconds).")

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=float, default=10.0,
                            help="skip files modified less than this many seconds ago (still being written)")

    def handle(self, *args, **options):
        folder = drop_dir()
        result = scan_drop_folder(folder=folder, min_age=options["min_age"])
        for name in result.received:
            self.stdout.write(f"received {name}")
        for name, reason in result.refused:
            self.stdout.write(f"set aside {name}: {reason}")
        self.stdout.write(f"{len(result.received)} received, {len(result.refused)} set aside in {folder / 'refused'}"
                          if result.refused else f"{len(result.received)} received from {folder}")
