"""Key files: created once with owner-only permissions, refused when others can read them."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from intramuros.core.files import write_atomically


def write_secret_file(path: Path, content: str) -> None:
    """Write a new secret file readable by its owner only, atomically and durably."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomically(path, content.encode())  # the rename itself made durable too


def ensure_secret_file(path: Path, *, nbytes: int = 32) -> bool:
    """Create a random hex secret at `path` unless one is there. Returns True when created."""
    if path.exists():
        return False
    write_secret_file(path, secrets.token_hex(nbytes) + "\n")
    return True


def read_key_file(path: Path, *, what: str = "database key") -> str:
    """Return the 64-hex-digit key in `path`, or stop with one sentence saying what to do."""
    if not path.exists():
        if path.is_symlink() and path.with_name("keys.locked").exists():
            raise ImproperlyConfigured(
                "The keys are locked with a passphrase and have not been unlocked since the machine started: "
                "run `intramuros key unlock` (or start the server with `intramuros serve`, which asks for it)."
            )
        raise ImproperlyConfigured(
            f"The {what} file {path} is missing: restore it from where you keep it, "
            "or run `intramuros init` for a new practice."
        )
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ImproperlyConfigured(
            f"The {what} file {path} can be read by other users of this machine: run `chmod 600 {path}`."
        )
    key = path.read_text().strip().lower()
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise ImproperlyConfigured(
            f"The {what} file {path} does not hold a 256-bit key (64 hexadecimal digits): "
            "restore the right file."
        )
    return key
