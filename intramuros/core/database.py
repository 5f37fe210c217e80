"""Start-up checks of the database, with messages a practice can act on."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor


def ensure_reachable() -> None:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except OperationalError as exc:
        if connection.vendor == "postgresql":
            host = connection.settings_dict.get("HOST") or "localhost"
            raise ImproperlyConfigured(
                f"PostgreSQL at {host} cannot be reached or refuses the connection ({str(exc).strip()}): "
                "start it, or check INTRAMUROS_DATABASE_URL."
            ) from None
        raise ImproperlyConfigured(
            f"The embedded database cannot be opened ({exc}): check that the data directory is readable."
        ) from None


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]
