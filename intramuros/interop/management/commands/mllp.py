from django.core.management.base import BaseCommand, CommandError

from intramuros.interop.labs.mllp import MLLPHandler, MLLPServer


class Command(BaseCommand):
    help = "Listen for lab results sent over MLLP (HL7 v2) on the practice network."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
        parser.add_argument("--port", type=int, default=2575, help="port (default 2575)")

    def handle(self, *args, host, port, **options):
        try:
            server = MLLPServer((host, port), MLLPHandler)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port} ({exc.strerror}): choose another --port.") from None
        self.stdout.write(self.style.SUCCESS(f"Waiting for lab results on {host}:{port} (MLLP). Ctrl+C stops."))
        with server:
            server.serve_forever()
