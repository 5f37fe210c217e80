"""Three indexes fewer on the audit log, which every page view writes to.

actor and patient_id are served by the (actor, at) and (patient_id, at) indexes; flagged, a boolean, gets a
partial index holding only the flagged rows. The fields change only in Django's state: altering them would
rebuild the whole table on SQLite, where dropping the indexes is enough.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = {  # index name -> column, as Django named them (the same on SQLite and PostgreSQL)
    "audit_auditevent_actor_id_270bb4b7": "actor_id",
    "audit_auditevent_patient_id_82c45eaf": "patient_id",
    "audit_auditevent_flagged_e9580faf": "flagged",
}


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_auditanchor_securitypolicy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                            to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(model_name="auditevent", name="flagged",
                                      field=models.BooleanField(default=False)),
                migrations.AlterField(model_name="auditevent", name="patient_id",
                                      field=models.BigIntegerField(blank=True, null=True)),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"',
                                  reverse_sql=f'CREATE INDEX "{name}" ON "audit_auditevent" ("{column}")')
                for name, column in DROPPED.items()
            ],
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(condition=models.Q(("flagged", True)), fields=["seq"], name="audit_flagged_seq"),
        ),
    ]
