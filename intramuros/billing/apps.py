from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reinstall_fee_schedule(sender, **kwargs):
    """A database flush (test isolation, `flush`) empties what the data migration installed: put it back."""
    import csv
    from decimal import Decimal
    from pathlib import Path

    from django.db import connections

    from intramuros.billing.models import Act

    connection = connections[kwargs.get("using", "default")]
    if Act._meta.db_table not in connection.introspection.table_names():  # migrated only some apps
        return
    data = Path(__file__).resolve().parent / "data" / "fee_schedule_fr.csv"
    if Act.objects.filter(practitioner=None).exists():
        return
    with data.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            Act.objects.get_or_create(practitioner=None, code=row["code"], defaults={
                "label": row["label"], "price": Decimal(row["price"]), "kind": row["kind"]})


class BillingConfig(AppConfig):
    name = "intramuros.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self):
        post_migrate.connect(_reinstall_fee_schedule, sender=self, dispatch_uid="billing-fee-schedule")
