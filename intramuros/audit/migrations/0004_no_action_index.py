"""The audit log's `action` index goes: every page view paid for it (one more B-tree page written, and read
again after other processes' commits) and the review screen hardly used it.

Its filter by action is a prefix (`action__startswith`): a case-insensitive LIKE on SQLite, which a binary index
cannot serve; and the searches' filter (action = 'patients.search') matches a third of the rows, found as soon
by reading the newest rows first. The field changes only in Django's state: altering it would rebuild the whole
table on SQLite, where dropping the index is enough (PostgreSQL also had its pattern-operator twin).
"""

from django.db import migrations, models

DROPPED = ["audit_auditevent_action_2131bb77", "audit_auditevent_action_2131bb77_like"]  # as Django named them


def _recreate(apps, schema_editor):
    schema_editor.execute('CREATE INDEX "audit_auditevent_action_2131bb77" ON "audit_auditevent" ("action")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('CREATE INDEX "audit_auditevent_action_2131bb77_like" ON "audit_auditevent" '
                              '("action" varchar_pattern_ops)')


def _drop(apps, schema_editor):
    for name in DROPPED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [("audit", "0003_fewer_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="auditevent", name="action",
                                      field=models.CharField(max_length=100)),
            ],
            database_operations=[migrations.RunPython(_drop, _recreate)],
        ),
    ]
