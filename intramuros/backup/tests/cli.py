"""Running the `intramuros` command on a data directory of its own, as a practice would."""

import os
import subprocess
import sys

from intramuros.core.db.sqlcipher import pageformat

CLEARED = ("INTRAMUROS_DATABASE_URL", "INTRAMUROS_DB_KEY_FILE", "INTRAMUROS_BACKUP_RECIPIENT",
           "INTRAMUROS_BACKUP_PASSPHRASE_FILE", "INTRAMUROS_BACKUP_DIRS")


def env_for(data_dir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("DJANGO_")}
    env["INTRAMUROS_DATA_DIR"] = str(data_dir)
    env["INTRAMUROS_LOG_LEVEL"] = "WARNING"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(data_dir, *args, stdin=None, check=True, **extra):
    result = subprocess.run([sys.executable, "-m", "intramuros", *map(str, args)], capture_output=True, text=True,
                            env=env_for(data_dir, **extra), input=stdin, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"intramuros {' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return result


def open_db(data_dir):
    """The practice's database, opened directly with its key (the server being stopped or killed)."""
    key = (data_dir / "keys" / "db.key").read_text().strip()
    conn, _ = pageformat.connect(key, database=str(data_dir / "intramuros.db"))
    assert conn is not None, "the database does not open with its key"
    return conn
