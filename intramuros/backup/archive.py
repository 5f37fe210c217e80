"""The archive's inside (a tar stream with a manifest) and its safe writing to several destinations.

Inside the archive:
  database/intramuros.db      the SQLCipher copy (its own random key is in the manifest), or
  database/intramuros.pgdump  PostgreSQL's custom-format dump
  documents/...               every file of the document store, as stored (encrypted with the document key)
  keys/files.key              the document key: without it the documents cannot be read
  keys/db.key                 the practice's database key, only when asked for (--include-db-key)
  audit/audit-anchors.log     the audit log's anchor file (row numbers and hashes; no patient data), so that
                              `intramuros audit verify` can compare the restored log with it
  config/settings.json        the INTRAMUROS_* settings in effect, secrets left out
  manifest.json               counts, sizes and sha256 of everything above (last member)
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from intramuros.core import paths
from intramuros.core.env import KNOWN
from intramuros.core.files import fsync_directory

FORMAT = "intramuros-backup/1"
ARCHIVE_PREFIX = "intramuros-"
ARCHIVE_SUFFIX = ".backup.age"
NAME_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
ANCHORS_MEMBER = "audit/audit-anchors.log"
CHUNK = 1024 * 1024
# Secrets, and paths that belong to the old machine only.
LEFT_OUT_SETTINGS = {"INTRAMUROS_SMTP_PASSWORD", "INTRAMUROS_DATABASE_URL", "INTRAMUROS_DATA_DIR",
                     "INTRAMUROS_DB_KEY_FILE"}


def archive_name(when: float | None = None) -> str:
    stamp = time.strftime(NAME_TIME_FORMAT, time.gmtime(time.time() if when is None else when))
    return f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"


def config_snapshot() -> dict[str, str]:
    """The practice's settings, for the new machine: everything but secrets and machine-local paths."""
    return {name: os.environ[name] for name in sorted(KNOWN)
            if name in os.environ and name not in LEFT_OUT_SETTINGS}


def document_files() -> Iterator[tuple[str, Path]]:
    root = paths.documents_dir()
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith(".") and name.endswith(".tmp"):
                continue  # a document being written right now: its row does not exist yet
            full = Path(dirpath) / name
            yield full.relative_to(root).as_posix(), full


class _HashingReader(io.RawIOBase):
    def __init__(self, source: BinaryIO, on_bytes: Callable[[int], None]):
        self.source, self.on_bytes, self.hash = source, on_bytes, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.hash.update(data)
        self.on_bytes(len(data))
        return data


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_info(name, len(data)), io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path, on_bytes) -> tuple[str, int] | None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None  # removed since it was listed
    with handle:
        size = os.fstat(handle.fileno()).st_size
        reader = _HashingReader(handle, on_bytes)
        tar.addfile(_info(name, size), reader)
    return reader.hash.hexdigest(), size


@dataclass
class Contents:
    database_path: Path
    database_engine: str
    database_key: str
    tables: dict[str, int]
    files_key: str
    db_key: str | None
    created_at: str
    software_version: str
    migrations: dict[str, str]
    manifest: dict = field(default_factory=dict)
    audit_anchors: bytes | None = None  # read after the database copy: it may name a few rows the copy lacks


def write_tar(out: BinaryIO, contents: Contents, on_bytes: Callable[[int], None]) -> dict:
    """Write the whole tar stream to `out`; returns the manifest it ends with."""
    documents: dict[str, dict] = {}
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT, bufsize=CHUNK) as tar:
        db_member = f"database/{contents.database_path.name}"
        db_hash, db_size = _add_file(tar, db_member, contents.database_path, on_bytes)
        for relative, full in document_files():
            added = _add_file(tar, f"documents/{relative}", full, on_bytes)
            if added:
                documents[relative] = {"sha256": added[0], "size": added[1]}
        anchors = None
        if contents.audit_anchors is not None:
            _add_bytes(tar, ANCHORS_MEMBER, contents.audit_anchors)
            on_bytes(len(contents.audit_anchors))
            anchors = {"member": ANCHORS_MEMBER, "sha256": hashlib.sha256(contents.audit_anchors).hexdigest(),
                       "size": len(contents.audit_anchors)}
        _add_bytes(tar, "keys/files.key", (contents.files_key + "\n").encode())
        if contents.db_key:
            _add_bytes(tar, "keys/db.key", (contents.db_key + "\n").encode())
        _add_bytes(tar, "config/settings.json", json.dumps(config_snapshot(), indent=1).encode())
        manifest = {
            "format": FORMAT,
            "created_at": contents.created_at,
            "software_version": contents.software_version,
            "database": {"member": db_member, "engine": contents.database_engine, "sha256": db_hash,
                         "size": db_size, "copy_key": contents.database_key, "tables": contents.tables,
                         "migrations": contents.migrations},
            "documents": {"count": len(documents), "bytes": sum(d["size"] for d in documents.values()),
                          "files": documents},
            "keys": {"files_key": True, "db_key": bool(contents.db_key)},
            "audit": {"anchors": anchors},
        }
        _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
    return manifest


class DestinationWriter(io.RawIOBase):
    """Writes the same bytes to a temporary file in each destination; a destination that fails is dropped.

    Nothing is renamed to its final name before `commit()`, which fsyncs each file and its directory:
    a failed or interrupted backup leaves earlier archives as they were and no half-written archive behind.
    """

    def __init__(self, directories: list[Path], name: str):
        self.name = name
        self.open: dict[Path, BinaryIO] = {}
        self.failures: dict[Path, str] = {}
        self.size = 0
        token = secrets.token_hex(4)
        for directory in directories:
            tmp = directory / f".{name}.{token}.tmp"
            try:
                if not directory.is_dir():
                    raise FileNotFoundError(2, "No such directory", str(directory))
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                self.open[directory] = os.fdopen(fd, "wb", buffering=CHUNK)
            except OSError as exc:
                self.failures[directory] = describe_os_error(exc, directory)
        self.tmp_names = {d: d / f".{name}.{token}.tmp" for d in directories}
        if not self.open:
            raise OSError(self.summary())

    def writable(self) -> bool:
        return True

    def _drop(self, directory: Path, exc: OSError) -> None:
        self.failures[directory] = describe_os_error(exc, directory)
        handle = self.open.pop(directory)
        with contextlib.suppress(OSError):
            handle.close()
        with contextlib.suppress(OSError):
            self.tmp_names[directory].unlink()

    def write(self, data) -> int:
        for directory, handle in list(self.open.items()):
            try:
                handle.write(data)
            except OSError as exc:
                self._drop(directory, exc)
        if not self.open:
            raise OSError(self.summary())
        self.size += len(data)
        return len(data)

    def summary(self) -> str:
        return "; ".join(f"{d}: {m}" for d, m in self.failures.items())

    def commit(self) -> dict[Path, Path]:
        """fsync and rename into place; returns the final path per destination that succeeded."""
        done = {}
        for directory, handle in list(self.open.items()):
            try:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
                final = directory / self.name
                os.replace(self.tmp_names[directory], final)
                fsync_directory(directory)
                done[directory] = final
            except OSError as exc:
                self._drop(directory, exc)
        self.open.clear()
        return done

    def abort(self) -> None:
        for directory in list(self.open):
            self._drop(directory, OSError("backup interrupted"))


def describe_os_error(exc: OSError, directory: Path) -> str:
    import errno

    if exc.errno == errno.ENOSPC:
        return f"the disk holding {directory} is full: free some space or use a larger disk"
    if exc.errno in (errno.ENOENT, errno.ENODEV, errno.EIO, errno.ENXIO, errno.ESTALE):
        return f"{directory} is not reachable (disk unplugged or share disconnected?): reconnect it"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{directory} cannot be written to ({exc.strerror}): check its permissions"
    return f"{directory}: {exc.strerror or exc}"
