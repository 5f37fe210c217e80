import datetime

from django.core.management.base import BaseCommand, CommandError

from intramuros.billing import totals


class Command(BaseCommand):
    help = ("Recompute the daily billing totals behind the monthly and yearly summaries from the invoices "
            "and payments (all days, or --from/--to).")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")

    def handle(self, *args, start, end, **options):
        try:
            start = datetime.date.fromisoformat(start) if start else None
            end = datetime.date.fromisoformat(end) if end else None
        except ValueError as exc:
            raise CommandError(f"Dates are written YYYY-MM-DD ({exc}).") from None
        count = totals.rebuild(start=start, end=end)
        self.stdout.write(self.style.SUCCESS(f"{count} daily totals recomputed."))
