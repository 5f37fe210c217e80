"""The encryption of backup archives with age (pyrage), streamed: memory use stays flat whatever the size.

Two file forms:

* to a recipient (INTRAMUROS_BACKUP_RECIPIENT): a plain age file, readable with the age tool
  (`age -d -i identity.txt FILE | tar -x`);
* with a passphrase (INTRAMUROS_BACKUP_PASSPHRASE_FILE): pyrage can only encrypt bytes held in memory with a
  passphrase, so the archive is streamed to a fresh X25519 key made for this archive alone, and that key,
  encrypted with the passphrase (a standard age scrypt file), heads the archive:
  ``PASSPHRASE_MAGIC`` + 8-byte big-endian length + age(passphrase, key) + age(key, tar).

Every archive is also encrypted to the machine's own backup key (DATA_DIR/keys/backup.key), so that the
scheduled job can restore and check each archive without the practice's stored-away key. That key grants
nothing more than the machine already holds (the database key lives beside it).
"""

from __future__ import annotations

import io
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyrage
from pyrage import x25519

from intramuros.core import paths
from intramuros.core.env import env_str
from intramuros.core.keys import write_secret_file

AGE_MAGIC = b"age-encryption.org/v1\n"
PASSPHRASE_MAGIC = b"intramuros-backup/v1 passphrase\n"
PIPE_CHUNK = 1024 * 1024


class BackupKeyError(Exception):
    """A key or passphrase is missing, malformed or does not open the archive."""


def machine_key_file() -> Path:
    return paths.backup_key_file()


def machine_identity(*, create: bool = True) -> x25519.Identity | None:
    path = machine_key_file()
    if not path.exists():
        if path.is_symlink():  # locked with the other keys (core/lockedstart.py): never replace it
            raise BackupKeyError("The keys are locked with a passphrase and have not been unlocked since the "
                                 "machine started: run `intramuros key unlock` first.")
        if not create:
            return None
        identity = x25519.Identity.generate()
        write_secret_file(path, str(identity) + "\n")
        return identity
    return read_identity_file(path)[0]


def read_identity_file(path: Path) -> list[x25519.Identity]:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise BackupKeyError(f"The key file {path} cannot be read ({exc.strerror}): check the path.") from None
    identities = []
    for line in lines:
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                identities.append(x25519.Identity.from_str(line))
            except pyrage.IdentityError:
                raise BackupKeyError(f"The key file {path} holds a malformed age key: restore the right file.") \
                    from None
    if not identities:
        raise BackupKeyError(f"The file {path} holds no age key (a line AGE-SECRET-KEY-...): give the right file.")
    return identities


def read_passphrase_file(path: Path) -> str:
    try:
        passphrase = Path(path).read_text().strip("\r\n")
    except OSError as exc:
        raise BackupKeyError(f"The passphrase file {path} cannot be read ({exc.strerror}): check the path.") \
            from None
    if len(passphrase) < 12:
        raise BackupKeyError(f"The passphrase in {path} is shorter than 12 characters: choose a longer one.")
    return passphrase


def parse_recipient(text: str) -> x25519.Recipient:
    try:
        return x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError:
        raise BackupKeyError(
            f"INTRAMUROS_BACKUP_RECIPIENT={text!r} is not an age public key (age1...): "
            "create one with `intramuros backup keygen FILE`."
        ) from None


@dataclass
class EncryptionPlan:
    """To whom an archive is encrypted; built from the settings by `plan_from_settings`."""

    recipients: list[x25519.Recipient] = field(default_factory=list)
    passphrase: str | None = None

    @property
    def description(self) -> str:
        from django.utils.translation import gettext as _

        parts = []
        if self.recipients[1:]:
            parts.append(_("the practice's age key"))
        if self.passphrase:
            parts.append(_("the passphrase"))
        parts.append(_("this machine's backup key"))
        return ", ".join(parts)


def plan_from_settings(*, require_practice_key: bool = True) -> EncryptionPlan:
    recipient = env_str("INTRAMUROS_BACKUP_RECIPIENT")
    passphrase_file = env_str("INTRAMUROS_BACKUP_PASSPHRASE_FILE")
    if require_practice_key and not recipient and not passphrase_file:
        raise BackupKeyError(
            "No backup key is set: set INTRAMUROS_BACKUP_RECIPIENT to the practice's age public key "
            "(`intramuros backup keygen FILE` makes one; keep FILE away from this machine) "
            "or INTRAMUROS_BACKUP_PASSPHRASE_FILE to a file holding a passphrase."
        )
    plan = EncryptionPlan(recipients=[machine_identity().to_public()])
    if recipient:
        plan.recipients.append(parse_recipient(recipient))
    if passphrase_file:
        plan.passphrase = read_passphrase_file(Path(passphrase_file))
    return plan


def encrypt_stream(produce: Callable[[BinaryIO], None], out: BinaryIO, plan: EncryptionPlan) -> None:
    """Run `produce(writer)` in a thread and encrypt what it writes into `out`, through a pipe."""
    recipients = list(plan.recipients)
    if plan.passphrase:
        archive_key = x25519.Identity.generate()
        wrapped = pyrage.passphrase.encrypt(str(archive_key).encode(), plan.passphrase)
        out.write(PASSPHRASE_MAGIC + struct.pack(">Q", len(wrapped)) + wrapped)
        recipients.insert(0, archive_key.to_public())
    _pump(produce, lambda reader: pyrage.encrypt_io(reader, out, recipients))


def _pump(produce: Callable[[BinaryIO], None], consume: Callable[[BinaryIO], None]) -> None:
    """Connect a writer function and a reader function with an OS pipe; re-raise the first error."""
    read_fd, write_fd = os.pipe()
    reader = io.open(read_fd, "rb", buffering=PIPE_CHUNK)  # noqa: UP020 (an fd, not a path)
    writer = io.open(write_fd, "wb", buffering=PIPE_CHUNK)  # noqa: UP020
    errors: list[BaseException] = []

    def run_producer():
        try:
            produce(writer)
            writer.flush()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)
        finally:
            try:
                writer.close()
            except OSError:
                pass  # the reader is gone (its own error is the one reported)

    thread = threading.Thread(target=run_producer, name="backup-producer", daemon=True)
    thread.start()
    try:
        consume(reader)
    except BaseException as exc:
        reader.close()  # unblocks the producer (EPIPE) so the thread ends
        thread.join()
        # A producer's own failure (a wrong key, a damaged file) explains the consumer's; a broken pipe doesn't.
        real = [e for e in errors if not isinstance(e, BrokenPipeError)]
        if real:
            raise real[0] from exc
        raise
    # Drain what the consumer left (age stops at its final chunk) so the producer never blocks.
    while reader.read(PIPE_CHUNK):
        pass
    reader.close()
    thread.join()
    if errors:
        raise errors[0]


def decrypt_stream(source: BinaryIO, consume: Callable[[BinaryIO], None], *,
                   identities: list[x25519.Identity], passphrase: str | None) -> None:
    """Decrypt `source` (either form) and hand the plain stream to `consume(reader)` in this thread."""
    head = source.read(len(PASSPHRASE_MAGIC))
    identities = list(identities)
    if head == PASSPHRASE_MAGIC:
        (length,) = struct.unpack(">Q", source.read(8))
        wrapped = source.read(length)
        if passphrase is not None:
            try:
                identities.insert(0, x25519.Identity.from_str(pyrage.passphrase.decrypt(wrapped, passphrase).decode()))
            except (pyrage.DecryptError, UnicodeDecodeError, pyrage.IdentityError):
                if not identities:
                    raise BackupKeyError("The passphrase does not open this backup: give the right passphrase.") \
                        from None
        prefix = b""
    elif head.startswith(AGE_MAGIC):
        prefix = head
    else:
        raise BackupKeyError("This file is not an Intramuros backup (it is not an age-encrypted archive).")
    if not identities:
        raise BackupKeyError("No key was given to open this backup: give --identity FILE or --passphrase-file FILE.")
    body = _Prefixed(prefix, source) if prefix else source

    def produce(writer):
        try:
            pyrage.decrypt_io(body, writer, identities)
        except pyrage.DecryptError as exc:
            text = str(exc)
            if "No matching keys" in text or "no identity matched" in text.lower():
                raise BackupKeyError("The key given does not open this backup: give the practice's backup key "
                                     "or passphrase that was in use when it was made.") from None
            raise ArchiveDamaged(f"the encrypted data is damaged ({text})") from None
        except OSError as exc:
            if exc.errno is None:  # pyrage reports a failed authentication tag or a cut-short file this way
                raise ArchiveDamaged("the archive is damaged or cut short: its encrypted data does not "
                                     "authenticate; use another copy") from None
            raise

    _pump(produce, consume)


class ArchiveDamaged(Exception):
    """The archive cannot be read to its end, or its content does not match its manifest."""


class _Prefixed(io.RawIOBase):
    """A reader that yields `prefix`, then the rest of `source` (the bytes read while sniffing the form)."""

    def __init__(self, prefix: bytes, source: BinaryIO):
        self.prefix, self.source = prefix, source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
