"""Settings for the `--plain` benchmark: Django's stock sqlite3 backend on an unencrypted copy.

Same pragmas as the SQLCipher backend (WAL, synchronous=FULL, busy timeout, IMMEDIATE transactions), so the
only difference measured is the encryption. Never use this for a practice: the copy is readable by anyone.
"""

from intramuros.settings import *  # noqa: F403
from intramuros.settings import DATA_DIR

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "intramuros-plain.db"),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=20000",
        },
    }
}
