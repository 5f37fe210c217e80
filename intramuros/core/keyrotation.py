"""`intramuros key rotate`: re-encrypt the database and every document file under new keys.

Built to survive being interrupted (power cut, Ctrl+C) at any point and to lose nothing:
1. the new keys are written first, beside the old ones, as `db.key.new` and `files.key.new` (0600, fsync'ed),
   and a state file `keys/rotation.json` journals the progress;
2. each document file is re-encrypted on its own, atomically (temporary file + fsync + rename): a file is
   always whole, under the old key or the new one; on resume, a file that already opens with the new key is
   skipped, so running again never re-encrypts twice nor loses a file;
3. the database is re-keyed with SQLCipher's `PRAGMA rekey`, which is one transaction: the file is under the
   old key or the new one, and resuming tries both;
4. only then are the key files switched (each `os.replace` is atomic); the old keys are kept under
   keys/retired/ (owner-only) because the backups made before the rotation still need them.
The server must be stopped while the keys rotate.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intramuros.core import paths
from intramuros.core.files import fsync_directory, write_atomically
from intramuros.core.keys import read_key_file, write_secret_file

# The document store's file format (intramuros/documents/storage.py): MAGIC + nonce + AES-GCM(data, aad=id).
MAGIC = b"IMDOC1\x00\x00"
NONCE_SIZE = 12


class RotationError(Exception):
    """Something prevents the rotation; the message says what to do. Nothing has been lost."""


@dataclass
class RotationPaths:
    db_key: Path
    files_key: Path
    documents: Path
    database: Path | None  # None: PostgreSQL (its encryption at rest is the server's business)

    @property
    def state(self) -> Path:
        return self.db_key.with_name("rotation.json")

    @property
    def retired(self) -> Path:
        return self.db_key.parent / "retired"


@dataclass
class RotationResult:
    files_reencrypted: int = 0
    files_already_done: int = 0
    files_unreadable: list[str] = field(default_factory=list)
    database: str = ""
    resumed: bool = False
    retired_dir: Path | None = None


def default_paths() -> RotationPaths:
    from django.db import connection

    database = paths.database_file() if connection.vendor == "sqlite" else None
    return RotationPaths(db_key=paths.db_key_file(), files_key=paths.files_key_file(),
                         documents=paths.documents_dir(), database=database)


def _new(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def _load_state(p: RotationPaths) -> dict | None:
    if not p.state.exists():
        return None
    try:
        return json.loads(p.state.read_text())
    except ValueError:
        raise RotationError(f"The rotation journal {p.state} is damaged: keep the keys folder as it is and ask "
                            "for help (the old keys and the .new keys are both in it).") from None


def _save_state(p: RotationPaths, state: dict) -> None:
    write_secret_file(p.state, json.dumps(state, sort_keys=True))


def _open(blob: bytes, key: bytes, file_id: uuid.UUID) -> bytes | None:
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_SIZE]
    try:
        return AESGCM(key).decrypt(nonce, blob[len(MAGIC) + NONCE_SIZE:], file_id.bytes)
    except InvalidTag:
        return None


def reencrypt_file(path: Path, *, old: bytes, new: bytes) -> str:
    """Re-encrypt one stored file: 'done', 'already' (opens with the new key) or 'unreadable'."""
    try:
        file_id = uuid.UUID(path.stem)
    except ValueError:
        return "unreadable"
    blob = path.read_bytes()
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_SIZE + 16:
        return "unreadable"
    if _open(blob, new, file_id) is not None:
        return "already"
    data = _open(blob, old, file_id)
    if data is None:
        return "unreadable"
    nonce = secrets.token_bytes(NONCE_SIZE)
    write_atomically(path, MAGIC + nonce + AESGCM(new).encrypt(nonce, data, file_id.bytes), suffix=".rekey")
    return "done"


def _sqlcipher_opens(database: Path, key: str) -> bool:
    from intramuros.core.db.sqlcipher import pageformat

    return pageformat.format_of(database, key) is not None


def rekey_database(database: Path, *, old: str, new: str) -> str:
    """Re-key the SQLCipher file: 'done', or 'already' when it opens with the new key."""
    from intramuros.core.db.sqlcipher import pageformat

    if _sqlcipher_opens(database, new):
        return "already"
    conn, _ = pageformat.connect(old, database=str(database))  # re-keyed in the format it has
    if conn is None:
        raise RotationError(f"The database {database} opens with neither the current key nor the new one: "
                            "restore the keys folder from your copy before going on.")
    try:
        conn.execute("PRAGMA busy_timeout = 20000")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"PRAGMA rekey = \"x'{new}'\"")  # one transaction: all pages or none
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    if not _sqlcipher_opens(database, new):
        raise RotationError(f"The database {database} did not take the new key: nothing was switched; "
                            "run the rotation again.")
    return "done"


def _switch_key(current: Path, retired_dir: Path, stamp: str) -> None:
    new = _new(current)
    if not new.exists():
        return  # already switched
    if current.exists():
        retired = retired_dir / f"{stamp}-{current.name}"
        if not retired.exists():
            write_secret_file(retired, current.read_text())
    os.replace(new, current)
    fsync_directory(current.parent)


def rotate_keys(*, rotation_paths: RotationPaths | None = None,
                on_file: Callable[[Path, str], None] | None = None) -> RotationResult:
    """Rotate both keys; resumes an interrupted rotation. `on_file` is called after each document file."""
    p = rotation_paths or default_paths()
    result = RotationResult()
    state = _load_state(p)
    if state is None:
        old_db, old_files = read_key_file(p.db_key), read_key_file(p.files_key, what="document key")
        for key_path in (p.db_key, p.files_key):
            stale = _new(key_path)
            if stale.exists():  # a .new key without a journal was never used for anything: replace it
                stale.unlink()
        state = {"phase": "keys", "started": datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S"),
                 "files_done": 0}
        _save_state(p, state)
        write_secret_file(_new(p.db_key), secrets.token_hex(32) + "\n")
        write_secret_file(_new(p.files_key), secrets.token_hex(32) + "\n")
        state["phase"] = "files"
        _save_state(p, state)
        del old_db, old_files
    else:
        result.resumed = True
        if state["phase"] == "keys":  # interrupted while writing the new keys: none has been used yet
            for key_path in (p.db_key, p.files_key):
                if not _new(key_path).exists():
                    write_secret_file(_new(key_path), secrets.token_hex(32) + "\n")
    if state["phase"] in ("keys", "files"):
        for key_path in (p.db_key, p.files_key):
            if not _new(key_path).exists():
                raise RotationError(f"The rotation journal says new keys were made but {_new(key_path)} is "
                                    "missing: restore the keys folder from your copy.")
        state["phase"] = "files"
        old = bytes.fromhex(read_key_file(p.files_key, what="document key"))
        new = bytes.fromhex(read_key_file(_new(p.files_key), what="new document key"))
        files = sorted(p.documents.rglob("*.bin")) if p.documents.exists() else []
        for path in files:
            if path.name.startswith("."):
                continue
            outcome = reencrypt_file(path, old=old, new=new)
            if outcome == "done":
                result.files_reencrypted += 1
            elif outcome == "already":
                result.files_already_done += 1
            else:
                result.files_unreadable.append(str(path.relative_to(p.documents)))
            state["files_done"] = result.files_reencrypted + result.files_already_done
            _save_state(p, state)
            if on_file is not None:
                on_file(path, outcome)
        state["phase"] = "database"
        _save_state(p, state)
    if state["phase"] == "database":
        if p.database is not None and p.database.exists():
            result.database = rekey_database(p.database, old=read_key_file(p.db_key),
                                             new=read_key_file(_new(p.db_key), what="new database key"))
        else:
            result.database = "not applicable"
        state["phase"] = "switch"
        _save_state(p, state)
    if state["phase"] == "switch":
        p.retired.mkdir(parents=True, exist_ok=True, mode=0o700)
        _switch_key(p.db_key, p.retired, state["started"])
        _switch_key(p.files_key, p.retired, state["started"])
        result.retired_dir = p.retired
        p.state.unlink()
        fsync_directory(p.state.parent)
    return result
