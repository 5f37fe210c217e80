"""Django's SQLite backend running on SQLCipher, so the database file is encrypted at rest.

The key is a raw 256-bit key read from a key file (a passphrase would cost ~240 ms per
connection in key derivation; a raw key costs well under a millisecond). The pages are authenticated
with HMAC-SHA256, files made before with SHA-512 still open (pageformat.py).
"""

from __future__ import annotations

import datetime
import decimal
from functools import lru_cache
from pathlib import Path

import sqlcipher3.dbapi2 as Database
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3._functions import register as register_functions

from intramuros.core.db.sqlcipher import pageformat
from intramuros.core.db.sqlcipher.operations import DatabaseOperations
from intramuros.core.db.sqlcipher.writelock import write_lock_for
from intramuros.core.keys import read_key_file

# Django registers its adapters and converters on the standard sqlite3 module only.
Database.register_converter("bool", b"1".__eq__)
Database.register_converter("date", sqlite_base.decoder(sqlite_base.parse_date))
Database.register_converter("time", sqlite_base.decoder(sqlite_base.parse_time))
Database.register_converter("datetime", sqlite_base.decoder(sqlite_base.parse_datetime))
Database.register_converter("timestamp", sqlite_base.decoder(sqlite_base.parse_datetime))
Database.register_adapter(decimal.Decimal, str)
Database.register_adapter(datetime.date, lambda d: d.isoformat())
Database.register_adapter(datetime.datetime, lambda d: d.isoformat(" "))


# Set on every connection, after the key.
PRAGMAS = ("foreign_keys = ON", "legacy_alter_table = OFF")
# How long a writer waits for the one before it, then fails with "database is locked".
BUSY_TIMEOUT_S = 20
# And on a database file (not in memory). FULL: a commit acknowledged to the user survives a power cut, not
# just a crash.
FILE_PRAGMAS = ("journal_mode = WAL", "synchronous = FULL", f"busy_timeout = {BUSY_TIMEOUT_S * 1000}")


@lru_cache(maxsize=4096)
def _qmark(query: str) -> str:
    """A query's %s placeholders as SQLite's ?, as Django converts them, kept: the pages run the same few hundred
    statement texts all day, and the regular expression cost ~1.5 % of the server's time."""
    return sqlite_base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLCipherCursorWrapper(Database.Cursor):
    """Django's SQLiteCursorWrapper, rebased on sqlcipher3's cursor."""

    def execute(self, query, params=None):
        if params is None:
            return super().execute(query)
        return super().execute(self._converted(query, params), params)

    def executemany(self, query, param_list):
        peeked, param_list = sqlite_base.tee(iter(param_list))
        return super().executemany(self._converted(query, next(peeked, None) or None), param_list)

    def _converted(self, query: str, params) -> str:
        """Django's placeholders in SQLite's style: named for a dict of parameters, else ? (kept per text)."""
        if isinstance(params, dict):
            return self.convert_query(query, param_names=list(params))
        return _qmark(query)

    convert_query = sqlite_base.SQLiteCursorWrapper.convert_query


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    Database = Database
    ops_class = DatabaseOperations

    def get_connection_params(self):
        params = super().get_connection_params()
        key_file = params.pop("key_file", None)
        if not key_file:
            raise ImproperlyConfigured("The encrypted database needs OPTIONS['key_file'].")
        self.key_file = Path(key_file)
        return params

    def get_new_connection(self, conn_params):
        key = read_key_file(self.key_file)
        conn, self.page_format = pageformat.connect(key, opener=Database.connect, **conn_params)
        if conn is None:
            raise ImproperlyConfigured(
                f"The database {conn_params['database']} cannot be opened with the key in the key file "
                "(wrong key, or not an Intramuros database): restore the right key file.")
        register_functions(conn)
        pragmas = PRAGMAS if self.creation.is_in_memory_db(conn_params["database"]) else PRAGMAS + FILE_PRAGMAS
        for pragma in pragmas:
            conn.execute(f"PRAGMA {pragma}")
        for command in filter(None, (c.strip() for c in self.init_commands)):
            conn.execute(command)
        return conn

    # Write transactions queue on the process's and the file's write lock (see writelock.py), held from BEGIN
    # to COMMIT or ROLLBACK. An in-memory database (tests) belongs to one connection: nothing to queue for.
    _write_lock = None

    def _start_transaction_under_autocommit(self):
        if self._write_lock is None and not self.is_in_memory_db():
            lock = write_lock_for(self.settings_dict["NAME"])
            lock.acquire(timeout=BUSY_TIMEOUT_S)
            self._write_lock = lock
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self):
        lock, self._write_lock = self._write_lock, None
        if lock is not None:
            lock.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLCipherCursorWrapper)
