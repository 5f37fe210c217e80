"""Start-up checks of the database, with messages a practice can act on."""

from __future__ import annotations

from pathlib import Path

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


def legacy_page_format() -> bool:
    """The embedded database file was made in the older, slower page format (`intramuros upgrade` converts it)."""
    from intramuros.core.db.sqlcipher import pageformat

    if connection.vendor != "sqlite" or connection.creation.is_in_memory_db(connection.settings_dict["NAME"]):
        return False
    connection.ensure_connection()
    return getattr(connection, "page_format", None) == pageformat.LEGACY


def convert_page_format() -> str:
    """Convert the embedded database file to the current page format: 'done' or 'already'."""
    from django.db import connections

    from intramuros.core.db.sqlcipher import pageformat
    from intramuros.core.keys import read_key_file

    settings = connection.settings_dict
    key = read_key_file(Path(settings["OPTIONS"]["key_file"]))
    # This process's connections closed first: the in-use check cannot see them, and its closing of the
    # shared-memory file would drop their locks.
    connections.close_all()
    return pageformat.convert(Path(settings["NAME"]), key)
