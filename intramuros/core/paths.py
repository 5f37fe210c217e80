"""Where the practice's files live: everything under one data directory."""

from __future__ import annotations

from pathlib import Path

from intramuros.core.env import env_path


def data_dir() -> Path:
    return env_path("INTRAMUROS_DATA_DIR", Path.cwd() / "data")


def keys_dir() -> Path:
    return data_dir() / "keys"


def db_key_file() -> Path:
    return env_path("INTRAMUROS_DB_KEY_FILE", keys_dir() / "db.key")


def secret_key_file() -> Path:
    return keys_dir() / "secret.key"


def files_key_file() -> Path:
    """Key of the document store (AES-256-GCM); kept beside the database key."""
    return db_key_file().with_name("files.key")


def backup_key_file() -> Path:
    """This machine's own age identity, to which every backup is also encrypted (backup/crypto.py)."""
    return keys_dir() / "backup.key"


def database_file() -> Path:
    return data_dir() / "intramuros.db"


def documents_dir() -> Path:
    return data_dir() / "documents"


def tls_dir() -> Path:
    return data_dir() / "tls"
