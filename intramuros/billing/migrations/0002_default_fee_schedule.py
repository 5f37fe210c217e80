"""The practice-wide fee schedule shipped with Intramuros (data/fee_schedule_fr.csv); editable afterwards."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "fee_schedule_fr.csv"


def load(apps, schema_editor):
    Act = apps.get_model("billing", "Act")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            Act.objects.get_or_create(practitioner=None, code=row["code"], defaults={
                "label": row["label"], "price": Decimal(row["price"]), "kind": row["kind"]})


def unload(apps, schema_editor):
    pass  # the acts may have been edited or used by invoices since: leave them


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
