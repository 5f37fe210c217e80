"""Benchmark only: the SQLite inside SQLCipher, without a key, as a Django backend.

The cost of encryption is the difference between the practice's engine with and without its key. Python's own
sqlite3 module carries another SQLite (3.40 against SQLCipher's 3.53 here), with another query planner:
compared with it, the runs measured the SQLite version as much as the encryption.
"""

import sqlcipher3.dbapi2 as Database
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3._functions import register as register_functions

from intramuros.core.db.sqlcipher import base as encrypted  # also registers the type adapters on sqlcipher3


class DatabaseWrapper(encrypted.DatabaseWrapper):
    """The practice's backend (converters, cursor, write lock), the key aside."""

    def get_connection_params(self):
        return sqlite_base.DatabaseWrapper.get_connection_params(self)  # no key file to read

    def get_new_connection(self, conn_params):
        conn = Database.connect(**conn_params)
        register_functions(conn)
        for pragma in encrypted.PRAGMAS + encrypted.FILE_PRAGMAS:  # the practice's
            conn.execute(f"PRAGMA {pragma}")
        return conn
