"""Typed readers for settings taken from the environment.

Every setting the software understands is declared here, so that a misspelt
variable is refused at start-up instead of being silently ignored.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PREFIX = "INTRAMUROS_"

# name -> one line of help (shown by `intramuros check` and in the README)
KNOWN: dict[str, str] = {
    "INTRAMUROS_DATA_DIR": "directory holding the database, documents, keys and certificate (default ./data)",
    "INTRAMUROS_DATABASE_URL": "postgres://user@host:port/name to use PostgreSQL instead of the embedded database",
    "INTRAMUROS_DB_KEY_FILE": "file holding the 256-bit key of the embedded database (default DATA_DIR/keys/db.key)",
    "INTRAMUROS_DEBUG": "1 to show Django's debug pages (never in a practice)",
    "INTRAMUROS_ALLOWED_HOSTS": "comma-separated host names the server answers to (default *)",
    "INTRAMUROS_IDLE_TIMEOUT_MINUTES": "minutes of inactivity after which a session ends (default 30)",
    "INTRAMUROS_REQUIRE_2FA": "1 to require two-factor login for every user (default 0: per user)",
    "INTRAMUROS_HTTPS": "0 when the server is reached over plain HTTP (tests, behind a TLS proxy)",
    "INTRAMUROS_LOCAL_NETWORKS": "comma-separated networks counted as the practice's own (CIDR)",
    "INTRAMUROS_LOG_LEVEL": "logging level (default INFO)",
    "INTRAMUROS_TIME_ZONE": "time zone of the practice (default Europe/Paris)",
    "INTRAMUROS_LANGUAGE": "default language, fr or en (default fr)",
    "INTRAMUROS_SMTP_HOST": "the practice's mail server (no mail is sent when unset)",
    "INTRAMUROS_SMTP_PORT": "port of the practice's mail server (default 587)",
    "INTRAMUROS_SMTP_USER": "user name on the practice's mail server",
    "INTRAMUROS_SMTP_PASSWORD": "password on the practice's mail server",
    "INTRAMUROS_SMTP_TLS": "1 to use STARTTLS with the mail server (default 1)",
    "INTRAMUROS_MAIL_FROM": "sender address of the practice's mail",
    "INTRAMUROS_DROP_DIR": "folder watched for scanned documents (default DATA_DIR/drop)",
    "INTRAMUROS_UPLOAD_MAX_MB": "largest document accepted in an upload or the drop folder, in MB (default 20)",
    "INTRAMUROS_LAB_DROP_DIR": "folder watched for lab result files (default DATA_DIR/lab-inbox)",
    "INTRAMUROS_ORTHANC_URL": "address of the practice's Orthanc DICOM server",
    "INTRAMUROS_ORTHANC_WORKLIST_DIR": "folder read by Orthanc's worklist plugin (where worklist entries are written)",
    "INTRAMUROS_BACKUP_DIRS": "comma-separated directories that receive the daily backup",
    "INTRAMUROS_BACKUP_RECIPIENT": "age public key that backups are encrypted to",
    "INTRAMUROS_BACKUP_PASSPHRASE_FILE": "file holding the passphrase backups are encrypted with",
}


def check_unknown(environ: os._Environ[str] | dict[str, str] | None = None) -> None:
    environ = os.environ if environ is None else environ
    for name in sorted(environ):
        if name.startswith(PREFIX) and name not in KNOWN:
            raise ImproperlyConfigured(
                f"Unknown setting {name}: check its spelling; `intramuros check --list-settings` lists the known ones."
            )


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value: use 1 or 0.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number: give one, e.g. {default}.") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"{name}={value} is out of range ({minimum} to {maximum}).")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw and raw.strip() else default
