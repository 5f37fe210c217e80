"""Locked start: the key files wrapped by a passphrase, the plain keys kept in memory-backed storage only.

`intramuros key lock` wraps the database and document keys with a passphrase (scrypt, then AES-256-GCM) into
`keys/keys.locked`, and moves the plain keys to a directory in RAM (/dev/shm or $XDG_RUNTIME_DIR), leaving
symbolic links in their place, so that everything reading the key files keeps working until the machine
stops. After a reboot the links point to nothing: the software cannot read any data until someone who knows
the passphrase runs `intramuros key unlock` (or `intramuros serve --locked`, which asks for it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from intramuros.core import paths
from intramuros.core.keys import read_key_file, write_secret_file

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1  # ~64 MiB and a fraction of a second per try
MIN_PASSPHRASE = 12
AAD = b"intramuros-keys-v1"


class LockError(Exception):
    """Locking or unlocking failed; the message says why and what to do."""


def locked_file() -> Path:
    return paths.db_key_file().with_name("keys.locked")


def runtime_dir() -> Path:
    """A private directory in RAM for the plain keys: gone when the machine stops."""
    # /dev/shm is shared by every user: _place_in_ram refuses a directory that is not privately ours.
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or "/dev/shm")  # noqa: S108
    tag = hashlib.sha256(str(paths.data_dir().resolve()).encode()).hexdigest()[:12]
    return base / f"intramuros-{tag}"


def _kdf(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def wrap(keys: dict[str, str], passphrase: str) -> dict:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    box = AESGCM(_kdf(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))
    sealed = box.encrypt(nonce, json.dumps(keys, sort_keys=True).encode(), AAD)
    b64 = base64.b64encode
    return {"version": 1, "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": b64(salt).decode(), "nonce": b64(nonce).decode(), "sealed": b64(sealed).decode()}


def unwrap(blob: dict, passphrase: str) -> dict[str, str]:
    try:
        key = _kdf(passphrase, base64.b64decode(blob["salt"]), int(blob["n"]), int(blob["r"]), int(blob["p"]))
        plain = AESGCM(key).decrypt(base64.b64decode(blob["nonce"]), base64.b64decode(blob["sealed"]), AAD)
    except InvalidTag:
        raise LockError("This passphrase does not open the keys: type it again (mind the keyboard layout).") \
            from None
    except (KeyError, ValueError, TypeError):
        raise LockError(f"{locked_file()} is damaged: restore it from your copy.") from None
    return json.loads(plain)


def is_locked() -> bool:
    return locked_file().exists()


def is_unlocked() -> bool:
    return all(p.exists() for p in (paths.db_key_file(), paths.files_key_file()))


def _place_in_ram(keys: dict[str, str], ram: Path) -> None:
    ram.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(ram)
    if os.path.islink(ram) or info.st_uid != os.getuid():
        raise LockError(f"{ram} exists but does not belong to this user: remove it, then unlock again.")
    os.chmod(ram, 0o700)
    for name, target in (("db", paths.db_key_file()), ("files", paths.files_key_file())):
        plain = ram / target.name
        write_secret_file(plain, keys[name] + "\n")
        link = target.with_name(f".{target.name}.link")
        link.unlink(missing_ok=True)
        os.symlink(plain, link)
        os.replace(link, target)  # atomic: the key file becomes a link to the copy in RAM


def lock(passphrase: str, *, ram: Path | None = None) -> Path:
    """Wrap the current keys with `passphrase`; the plain keys move to RAM. Returns the wrapped file."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise LockError(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters (a few words).")
    if is_locked():
        raise LockError(f"The keys are already locked ({locked_file()}).")
    keys = {"db": read_key_file(paths.db_key_file()),
            "files": read_key_file(paths.files_key_file(), what="document key")}
    blob = wrap(keys, passphrase)
    if unwrap(blob, passphrase) != keys:  # never drop the plain keys before the wrapped ones are proven
        raise LockError("The keys could not be wrapped reliably; nothing was changed.")
    write_secret_file(locked_file(), json.dumps(blob, sort_keys=True))
    _place_in_ram(keys, ram or runtime_dir())
    return locked_file()


def unlock(passphrase: str, *, ram: Path | None = None) -> Path:
    """Unwrap the keys into RAM (links from the keys folder). Returns the RAM directory."""
    if not is_locked():
        raise LockError("The keys are not locked: there is nothing to unlock.")
    try:
        blob = json.loads(locked_file().read_text())
    except ValueError:
        raise LockError(f"{locked_file()} is damaged: restore it from your copy.") from None
    keys = unwrap(blob, passphrase)
    ram = ram or runtime_dir()
    _place_in_ram(keys, ram)
    return ram


def unlock_interactively(ask, *, attempts: int = 3) -> bool:
    """For `serve --locked`: ask for the passphrase (ask(prompt) -> str) until it opens the keys."""
    if not is_locked() or is_unlocked():
        return False
    for _ in range(attempts):
        try:
            unlock(ask("Passphrase of the practice's keys: "))
            return True
        except LockError as exc:
            print(exc)
    raise LockError("Wrong passphrase, three times: the server does not start.")


UNLOCK_PATH = "/unlock/"
MAX_FAILURES = 5
PAUSE_SECONDS = 60


class LockedStartMiddleware:
    """While the keys are locked, every page is the unlock page: nothing else can read the database anyway.

    Place first in MIDDLEWARE (sessions and logins need the database). Only from the local networks of the
    server's settings (the practice's own list lives in the locked database). Knowing the passphrase is the
    credential; after MAX_FAILURES wrong ones the page refuses for PAUSE_SECONDS.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.failures = 0
        self.paused_until = 0.0

    def __call__(self, request):
        if not is_locked() or is_unlocked() or request.path.startswith("/static/"):
            return self.get_response(request)
        return self.unlock_page(request)

    def unlock_page(self, request):
        import ipaddress
        import time

        from django.conf import settings
        from django.http import HttpResponse, HttpResponseRedirect
        from django.template.loader import render_to_string

        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
            local = any(address in ipaddress.ip_network(n, strict=False) for n in settings.LOCAL_NETWORKS)
        except ValueError:
            local = False
        error = ""
        if not local:
            error = "remote"
        elif time.monotonic() < self.paused_until:
            error = "paused"
        elif request.method == "POST" and request.path == UNLOCK_PATH:
            try:
                unlock(request.POST.get("passphrase", ""))
                self.failures = 0
                return HttpResponseRedirect("/")
            except LockError:
                self.failures += 1
                error = "wrong"
                if self.failures >= MAX_FAILURES:
                    self.failures, self.paused_until = 0, time.monotonic() + PAUSE_SECONDS
        html = render_to_string("audit/unlock.html", {"error": error, "local": local, "action": UNLOCK_PATH})
        response = HttpResponse(html, status=503)
        response["Cache-Control"] = "no-store"
        response["Retry-After"] = "60"
        return response
