"""The name search's covering indexes (column, deleted_at, updated_at) replace the single-column indexes of
the four name columns (see Patient.Meta.indexes).

The fields change only in Django's state: altering them would rebuild the whole table on SQLite, where
dropping their indexes is enough. On PostgreSQL each also had a `_like` index, dropped alike.
"""

from django.conf import settings
from django.db import migrations, models

NAME_COLUMNS = ("search_names", "search_used", "search_first", "search_first_used")
MAX_LENGTHS = {"search_names": 400, "search_used": 260, "search_first": 260, "search_first_used": 260}
OPCLASSES = ["varchar_pattern_ops", "timestamptz_ops", "timestamptz_ops"]


def _single_name_indexes(schema_editor) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "patients_patient")
    return [name for name, info in constraints.items()
            if info["index"] and not info["unique"] and not info["primary_key"]
            and len(info["columns"]) == 1 and info["columns"][0] in NAME_COLUMNS]


def drop_single_name_indexes(apps, schema_editor):
    for name in _single_name_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def recreate_single_name_indexes(apps, schema_editor):
    model = apps.get_model("patients", "Patient")
    for column in NAME_COLUMNS:
        field = model._meta.get_field(column)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(schema_editor._create_like_index_sql(model, field))


class Migration(migrations.Migration):

    dependencies = [
        ("patients", "0003_tag_patienttag"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="patient", name=column,
                                      field=models.CharField(default="", editable=False,
                                                             max_length=MAX_LENGTHS[column]))
                for column in NAME_COLUMNS
            ],
            database_operations=[migrations.RunPython(drop_single_name_indexes, recreate_single_name_indexes)],
        ),
        *[migrations.AddIndex(model_name="patient",
                              index=models.Index(fields=[column, "deleted_at", "updated_at"],
                                                 name=f"patient_{column.removeprefix('search_')}_cover",
                                                 opclasses=OPCLASSES))
          for column in NAME_COLUMNS],
    ]
