"""Settings for the `--plain` benchmark: the same SQLite engine (SQLCipher's, without a key) on an unencrypted copy.

Same engine, pragmas (WAL, synchronous=FULL, busy timeout) and IMMEDIATE transactions as the practice's
backend (see bench/lib/plain_sqlite), so the only difference measured is the encryption. Never use this for a
practice: the copy is readable by anyone.
"""

from intramuros.settings import *  # noqa: F403
from intramuros.settings import DATA_DIR

DATABASES = {
    "default": {
        "ENGINE": "bench.lib.plain_sqlite",
        "NAME": str(DATA_DIR / "intramuros-plain.db"),
        "OPTIONS": {"transaction_mode": "IMMEDIATE"},
        "CONN_MAX_AGE": 300,  # as the practice's connections
    }
}
