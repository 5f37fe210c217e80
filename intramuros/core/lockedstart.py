"""Locked start: the key files wrapped by a passphrase, the plain keys kept in memory-backed storage only.

`intramuros key lock` wraps the database, document and backup keys with a passphrase (scrypt, then AES-256-GCM)
into `keys/keys.locked`, and moves the plain keys to a directory in RAM (a tmpfs: /dev/shm, else $XDG_RUNTIME_DIR;
refused when not memory-backed), leaving symbolic links in their place (the plain files are overwritten first),
so that everything reading the key files keeps working until the machine stops. After a reboot the links point
to nothing: the software cannot read any data until someone who knows the passphrase unlocks the keys, with
`intramuros key unlock`, `intramuros serve` (asks at the terminal) or the browser's unlock page.

The RAM directory is also how one unlock reaches every process: the server's worker processes, the background
worker and the commands all read the key files through the links, so the process that unwraps the keys (the
serve command at the terminal, or whichever web worker received the passphrase) hands them to the others
without a plain key ever touching the disk, an environment variable or a command line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from pyrage import x25519

from intramuros.core import paths
from intramuros.core.keys import read_key_file, write_secret_file

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1  # ~64 MiB and a fraction of a second per try
MIN_PASSPHRASE = 12
AAD = b"intramuros-keys-v1"
MEMORY_FILESYSTEMS = {"tmpfs", "ramfs"}

log = logging.getLogger("intramuros.lockedstart")


class LockError(Exception):
    """Locking or unlocking failed; the message says why and what to do."""


def locked_file() -> Path:
    return paths.db_key_file().with_name("keys.locked")


def filesystem_type(path: Path) -> str:
    """Type of the filesystem holding `path` (its deepest mount point, as /proc/self/mountinfo says)."""
    target = os.path.realpath(path)
    best, kind = "", ""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return ""
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount = fields[4].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):  # the later of two equal mount points hides the earlier
            best, kind = mount, right.split()[0]
    return kind


def runtime_dir() -> Path:
    """A private directory in RAM for the plain keys: gone when the machine stops.

    /dev/shm first: it lives until the machine stops, whereas $XDG_RUNTIME_DIR is removed when the user who
    unlocked logs out (the server would lose its keys). /dev/shm is shared by every user: _place_in_ram
    refuses a directory that is not privately ours.
    """
    tag = hashlib.sha256(str(paths.data_dir().resolve()).encode()).hexdigest()[:12]
    for base in ("/dev/shm", os.environ.get("XDG_RUNTIME_DIR", "")):  # noqa: S108
        if base and os.path.isdir(base) and filesystem_type(Path(base)) in MEMORY_FILESYSTEMS:
            return Path(base) / f"intramuros-{tag}"
    raise LockError("No memory-backed directory (tmpfs) for the unlocked keys: neither /dev/shm nor "
                    "$XDG_RUNTIME_DIR is a tmpfs on this machine. Mount a tmpfs on /dev/shm; the plain keys "
                    "are never written to the disk.")


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


def waiting_for_passphrase() -> bool:
    """The keys are wrapped and not unwrapped since the machine started: nothing can be read yet."""
    return is_locked() and not is_unlocked()


def _scrub(fd: int) -> None:
    """Overwrite a plain key file's content (already unlinked, still open) with zeros.

    Best effort: on a journaling or copy-on-write filesystem, or an SSD, older copies of the blocks may survive;
    docs/security.md says to lock the keys before any data is entered.
    """
    try:
        size = os.fstat(fd).st_size
        os.pwrite(fd, b"\0" * size, 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def _key_files() -> dict[str, Path]:
    """Every key that must never lie plain on the disk of a locked practice.

    The backup key too: every archive is encrypted to it, and some archives stay on this machine
    (those taken before an upgrade).
    """
    return {"db": paths.db_key_file(), "files": paths.files_key_file(), "backup": paths.backup_key_file()}


def _place_in_ram(keys: dict[str, str], ram: Path) -> None:
    ram.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(ram)
    if os.path.islink(ram) or info.st_uid != os.getuid():
        raise LockError(f"{ram} exists but does not belong to this user: remove it, then unlock again.")
    os.chmod(ram, 0o700)
    for name, target in _key_files().items():
        if name not in keys:  # the backup key, in keys locked before it was wrapped with the others
            continue
        plain = ram / target.name
        write_secret_file(plain, keys[name] + "\n")
        link = target.with_name(f".{target.name}.link")
        link.unlink(missing_ok=True)
        os.symlink(plain, link)
        # The plain file on disk (when locking) is opened before it is replaced, then overwritten: a process
        # reading the key meanwhile finds either the plain file or the link, never zeros.
        old = os.open(target, os.O_WRONLY) if target.is_file() and not target.is_symlink() else None
        os.replace(link, target)  # atomic: the key file becomes a link to the copy in RAM
        if old is not None:
            _scrub(old)


def lock(passphrase: str, *, ram: Path | None = None) -> Path:
    """Wrap the current keys with `passphrase`; the plain keys move to RAM. Returns the wrapped file."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise LockError(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters (a few words).")
    if is_locked():
        raise LockError(f"The keys are already locked ({locked_file()}).")
    keys = {"db": read_key_file(paths.db_key_file()),
            "files": read_key_file(paths.files_key_file(), what="document key")}
    backup_key = paths.backup_key_file()
    # Made now when missing, straight into RAM: made later by a backup, it would lie plain on the disk.
    keys["backup"] = backup_key.read_text().strip() if backup_key.exists() else str(x25519.Identity.generate())
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
    """For `serve`: ask for the passphrase (ask(prompt) -> str) until it opens the keys."""
    if not waiting_for_passphrase():
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

    Placed before the session middleware (sessions and logins need the database), after the ones that only set
    headers. Costs nothing when the keys are not waiting for their passphrase when the process starts: Django
    then leaves it out of the chain. Only from the local networks of the server's settings (the practice's own
    list lives in the locked database). Knowing the passphrase is the credential; after MAX_FAILURES wrong ones
    the page refuses for PAUSE_SECONDS (per server process).
    """

    def __init__(self, get_response):
        from django.core.exceptions import MiddlewareNotUsed

        if not waiting_for_passphrase():
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.open = False
        self.failures = 0
        self.paused_until = 0.0
        self.trying = threading.Lock()  # one scrypt (64 MiB) at a time per process

    def __call__(self, request):
        if not self.open and is_unlocked():  # unlocked here, at the terminal or by another server process
            self.open = True
        if self.open:
            if request.path == UNLOCK_PATH:
                from django.http import HttpResponseRedirect

                return HttpResponseRedirect("/")
            return self.get_response(request)
        if request.path.startswith("/static/"):
            return self.get_response(request)
        return self.unlock_page(request)

    def unlock_page(self, request):
        import ipaddress
        import time

        from django.conf import settings
        from django.http import HttpResponse, HttpResponseRedirect
        from django.template.loader import render_to_string

        remote_addr = request.META.get("REMOTE_ADDR", "")
        try:
            address = ipaddress.ip_address(remote_addr)
            local = any(address in ipaddress.ip_network(n, strict=False) for n in settings.LOCAL_NETWORKS)
        except ValueError:
            local = False
        error = ""
        if not local:
            error = "remote"
        elif time.monotonic() < self.paused_until:
            error = "paused"
        elif request.method == "POST" and request.path == UNLOCK_PATH:
            with self.trying:
                error = self._try(request.POST.get("passphrase", ""), remote_addr)
            if not error:
                return HttpResponseRedirect("/")
        html = render_to_string("audit/unlock.html", {"error": error, "local": local, "action": UNLOCK_PATH})
        response = HttpResponse(html, status=503)
        response["Cache-Control"] = "no-store"
        response["Retry-After"] = "60"
        return response

    def _try(self, passphrase: str, remote_addr: str) -> str:
        import time

        if is_unlocked():  # another server process took the passphrase meanwhile
            self.open = True
            return ""
        try:
            unlock(passphrase[:1024])
        except LockError:
            self.failures += 1
            log.warning("wrong passphrase on the unlock page from %s", remote_addr)
            if self.failures >= MAX_FAILURES:
                self.failures, self.paused_until = 0, time.monotonic() + PAUSE_SECONDS
            return "wrong"
        except OSError as exc:  # two processes unlocking at the same instant: the keys are there or not
            if not is_unlocked():
                log.warning("unlocking failed: %s", exc)
                return "wrong"
        self.failures, self.open = 0, True
        self._record(remote_addr)
        return ""

    @staticmethod
    def _record(remote_addr: str) -> None:
        from intramuros import audit

        try:
            audit.record(actor="unlock page", action="security.keys.unlocked", flagged=True, via="browser",
                         address=remote_addr)
        except Exception:  # the keys are open; a log that cannot be written is said, not hidden behind a 500
            log.exception("the unlock could not be written to the audit log")
