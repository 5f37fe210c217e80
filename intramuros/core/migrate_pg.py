"""Move a practice from the embedded (SQLCipher) database to PostgreSQL.

The target gets the schema by Django's own migrations, then every table is copied through the ORM's field
conversions (so booleans, dates, decimals and JSON arrive typed, not as SQLite's text), in dependency order,
in batches, primary keys preserved, inside one transaction: a failure leaves the target with an empty
schema, never half a practice. Sequences are then reset past the copied keys and the row counts of every
table are compared. The embedded file is only read: it stays as it was, as a fallback and a backup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

TARGET = "migrate_to_postgres_target"
BATCH = 2000


class MigrationRefused(Exception):
    """The move cannot start or did not complete; the message says what to do."""


@dataclass
class TableCount:
    table: str
    source: int
    target: int


def target_settings(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise MigrationRefused(f"The target must be a postgres:// URL, not {url!r}: for example "
                               "postgres://intramuros:PASSWORD@db-host:5432/intramuros.")
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise MigrationRefused("The URL names no database: add it after the host, e.g. .../intramuros.")
    raw = {"ENGINE": "django.db.backends.postgresql", "NAME": name, "USER": unquote(parsed.username or ""),
           "PASSWORD": unquote(parsed.password or ""), "HOST": parsed.hostname or "",
           "PORT": str(parsed.port or "")}
    return connections.configure_settings({DEFAULT_DB_ALIAS: raw})[DEFAULT_DB_ALIAS]


def copied_models() -> list[type[models.Model]]:
    """Every concrete table with its model (many-to-many tables included), parents before children."""
    todo = [m for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy and not m._meta.swapped]
    ordered: list[type[models.Model]] = []
    placed: set[str] = set()
    while todo:
        progress = False
        for model in list(todo):
            needs = {f.related_model._meta.db_table for f in model._meta.concrete_fields
                     if f.is_relation and f.related_model is not None and f.related_model is not model}
            if needs <= placed | {model._meta.db_table}:
                ordered.append(model)
                placed.add(model._meta.db_table)
                todo.remove(model)
                progress = True
        if not progress:  # a cycle between tables: PostgreSQL checks the deferred constraints at commit anyway
            ordered += todo
            break
    return ordered


def _target_tables(conn) -> list[str]:
    with conn.cursor() as cursor:
        return conn.introspection.table_names(cursor)


def _ensure_empty(conn) -> None:
    """Refuse any database that already has tables: the practice must never mix with, or overwrite, other data.

    An interrupted move leaves a schema behind (migrations run before the copy): recreate the database then.
    """
    tables = _target_tables(conn)
    if tables:
        raise MigrationRefused(
            f"The database {conn.settings_dict['NAME']} is not empty ({len(tables)} tables, e.g. {sorted(tables)[0]}): "
            "give a new, empty database (e.g. `dropdb` then `createdb` if it is a previous attempt), "
            "so that nothing there is mixed with or overwritten by the practice.")


def _copy_table(model, source, target, log) -> int:
    fields = model._meta.concrete_fields
    table = target.ops.quote_name(model._meta.db_table)
    cols = ", ".join(target.ops.quote_name(f.column) for f in fields)
    # Table and column names come from the models and are quoted; the values are parameters.
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    rows = model._base_manager.using(source.alias).order_by("pk").values_list(*[f.attname for f in fields])
    done, batch = 0, []
    with target.cursor() as cursor:
        for row in rows.iterator(chunk_size=BATCH):
            batch.append([f.get_db_prep_save(v, connection=target) for f, v in zip(fields, row, strict=True)])
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                done += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            done += len(batch)
    return done


def migrate_to_postgres(url: str, *, log: Callable[[str], None] = print) -> list[TableCount]:
    source = connections[DEFAULT_DB_ALIAS]
    if source.vendor != "sqlite":
        raise MigrationRefused("This practice already runs on PostgreSQL (INTRAMUROS_DATABASE_URL is set): "
                               "there is no embedded database to move.")
    from intramuros.core.database import pending_migrations

    if pending := pending_migrations():
        raise MigrationRefused(f"The embedded database is not up to date ({len(pending)} pending migrations): "
                               "run `intramuros upgrade` first, then move it.")
    connections.settings[TARGET] = target_settings(url)
    target = connections[TARGET]
    try:
        try:
            target.ensure_connection()
        except Exception as exc:  # noqa: BLE001 - psycopg's many connection errors, told in one sentence
            raise MigrationRefused(f"PostgreSQL cannot be reached with {url.split('@')[-1]} "
                                   f"({str(exc).strip().splitlines()[0]}): check the URL, the password and that "
                                   "the database exists.") from None
        _ensure_empty(target)
        log("Creating the schema in PostgreSQL (migrations)...")
        call_command("migrate", database=TARGET, interactive=False, verbosity=0)
        todo = copied_models()
        counts: list[TableCount] = []
        with transaction.atomic(using=TARGET):
            # Migrations and post-migrate hooks seed some rows (content types, permissions, shipped forms):
            # the practice's own rows replace them, with their keys.
            tables = [target.ops.quote_name(m._meta.db_table) for m in todo]
            with target.cursor() as cursor:
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            for model in todo:
                n = _copy_table(model, source, target, log)
                if n:
                    log(f"  {model._meta.db_table}: {n} rows")
            with target.cursor() as cursor:
                for statement in target.ops.sequence_reset_sql(no_style(), todo):
                    cursor.execute(statement)
            for model in todo:
                counts.append(TableCount(model._meta.db_table, model._base_manager.using(source.alias).count(),
                                         model._base_manager.using(TARGET).count()))
            wrong = [c for c in counts if c.source != c.target]
            if wrong:
                raise MigrationRefused("Row counts differ after the copy (" + ", ".join(
                    f"{c.table}: {c.source} here, {c.target} in PostgreSQL" for c in wrong[:5]) +
                    "): nothing was kept in PostgreSQL; report this problem.")
        return counts
    finally:
        target.close()
        del connections[TARGET]
        connections.settings.pop(TARGET, None)
