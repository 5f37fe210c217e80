"""The encrypted document store: every file at rest is AES-256-GCM under the practice's files key.

Layout: DATA_DIR/documents/<kind>/<2 hex>/<uuid>.bin, each file being
MAGIC (8 bytes) + nonce (12 bytes) + ciphertext and GCM tag. The file's id is the associated data,
so a file copied over another one's name fails to decrypt instead of showing the wrong patient's scan.
The row (StoredFile) keeps the sha256 of the plaintext, checked again on every read.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext as _

from intramuros.core import paths
from intramuros.core.files import write_atomically
from intramuros.core.keys import read_key_file

MAGIC = b"IMDOC1\x00\x00"
NONCE_SIZE = 12


class StoreError(Exception):
    """A stored file is missing, damaged or was altered: the message says which and what to do."""


def _key() -> bytes:
    # Read on each call (a stat and a 65-byte read): a restored or rotated key file is picked up at once.
    return bytes.fromhex(read_key_file(paths.files_key_file(), what="document key"))


def sniff_content_type(data: bytes) -> str:
    """Content type from the first bytes (never from a file name or a browser's claim)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "application/octet-stream"


def _safe_kind(kind: str) -> str:
    cleaned = "".join(c for c in kind.lower() if c.isalnum() or c in "-_")
    if not cleaned:
        raise ValueError("kind must be a short word such as 'upload', 'letter' or 'prescription'")
    return cleaned[:40]


def encrypt(data: bytes, *, file_id: uuid.UUID) -> bytes:
    nonce = secrets.token_bytes(NONCE_SIZE)
    return MAGIC + nonce + AESGCM(_key()).encrypt(nonce, data, file_id.bytes)


def decrypt(blob: bytes, *, file_id: uuid.UUID, label: str) -> bytes:
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_SIZE + 16:
        raise StoreError(_("The stored file %(name)s is not an Intramuros document file: restore it from a backup.")
                         % {"name": label})
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_SIZE]
    try:
        return AESGCM(_key()).decrypt(nonce, blob[len(MAGIC) + NONCE_SIZE:], file_id.bytes)
    except InvalidTag:
        raise StoreError(
            _("The stored file %(name)s has been altered or damaged, or the document key is not the right one: "
              "restore the file from a backup.") % {"name": label}
        ) from None


def store_bytes(data: bytes, *, kind: str, content_type: str = "", original_name: str = ""):
    """Encrypt `data` durably into the store and return its StoredFile row.

    The file is on disk (fsync'ed) before the row exists; if the surrounding transaction rolls back,
    an orphan encrypted file remains, which is harmless and never shown.
    """
    stored = write_file(data, kind=kind, content_type=content_type, original_name=original_name)
    stored.save(force_insert=True)
    return stored


def write_file(data: bytes, *, kind: str, content_type: str = "", original_name: str = ""):
    """The first half of store_bytes: the encrypted file written durably, and its row, not saved yet.

    For callers that write before their transaction opens (encrypting and two fsyncs need not hold the
    database's one writer) and save the row inside it.
    """
    from intramuros.documents.models import StoredFile

    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("the document store takes bytes")
    data = bytes(data)
    file_id = uuid.uuid4()
    kind = _safe_kind(kind)
    relative = Path(kind) / file_id.hex[:2] / f"{file_id.hex}.bin"
    payload, target = encrypt(data, file_id=file_id), paths.documents_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomically(target, payload)
    return StoredFile(
        id=file_id,
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type=content_type or sniff_content_type(data),
        original_name=original_name[:255],
        path=relative.as_posix(),
    )


def stored_path(stored) -> Path:
    base = paths.documents_dir().resolve()
    full = (base / stored.path).resolve()
    if base not in full.parents:  # a path in the database must never point outside the store
        raise StoreError(_("The stored file %(name)s has an invalid location.") % {"name": stored.pk})
    return full


def read_bytes(stored) -> bytes:
    """Decrypt a stored file, checking the GCM tag and the sha256 recorded when it was stored."""
    full = stored_path(stored)
    label = str(stored.pk)
    try:
        blob = full.read_bytes()
    except FileNotFoundError:
        raise StoreError(
            _("The stored file %(name)s is missing from %(dir)s: restore the document folder from a backup.")
            % {"name": label, "dir": paths.documents_dir()}
        ) from None
    data = decrypt(blob, file_id=stored.pk, label=label)
    if hashlib.sha256(data).hexdigest() != stored.sha256 or len(data) != stored.size:
        raise StoreError(
            _("The stored file %(name)s does not match its recorded fingerprint: restore it from a backup.")
            % {"name": label}
        )
    return data
