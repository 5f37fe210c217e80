"""A stamp rewritten by every change to a patient row, so that a process may keep today's patients' names.

The search shows today's patients first: on the embedded database it kept reading the row of each of them
(a few hundred pages, decrypted again after every other process's commit) to test their names, on every
keystroke. `patients.namecache` now keeps their names per thread while the stamp is unchanged (the agenda's
grids use it too).
Triggers rewrite it (a random value, so that a rolled-back change cannot bring an old value back for other
rows) on any insert, update or delete, whatever makes it: save(), QuerySet.update(), raw SQL.

Embedded database only (the search's prepared path). A later migration that rebuilds patients_patient on
SQLite (Django copies the table to a new one) drops the triggers with the old table: it must create them again
(`create_stamp`); a test in `patients/tests/test_search.py` fails until it does.
"""

from django.db import migrations

STAMP_TABLE = "patients_searchstamp"
TRIGGERS = {f"patients_patient_stamp_{event.lower()}": event for event in ("INSERT", "UPDATE", "DELETE")}


def create_stamp(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {STAMP_TABLE} "
                          "(id INTEGER PRIMARY KEY CHECK (id = 1), token BLOB NOT NULL)")
    schema_editor.execute(f"INSERT OR IGNORE INTO {STAMP_TABLE} (id, token) VALUES (1, randomblob(8))")
    for name, event in TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON patients_patient "
                              f"BEGIN UPDATE {STAMP_TABLE} SET token = randomblob(8); END")


def drop_stamp(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {STAMP_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0004_name_search_covering_indexes")]

    operations = [migrations.RunPython(create_stamp, drop_stamp)]
