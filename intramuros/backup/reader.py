"""Reading an archive back: decrypt, unpack into a scratch directory, check everything against the manifest."""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from intramuros.backup import crypto, snapshot
from intramuros.backup.archive import ANCHORS_MEMBER, CHUNK, FORMAT


@dataclass
class Unpacked:
    workdir: Path
    manifest: dict | None = None
    database_path: Path | None = None
    database_sha256: str = ""
    documents: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 found
    files_key: str | None = None
    db_key: str | None = None
    config: dict = field(default_factory=dict)
    bytes_read: int = 0
    audit_anchors_path: Path | None = None
    audit_anchors_sha256: str = ""


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise crypto.ArchiveDamaged(f"the archive holds a suspicious path {name!r}")
    return path


def _copy_member(source: BinaryIO, target: Path | None, size: int) -> str:
    digest = hashlib.sha256()
    handle = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = target.open("wb")
    try:
        remaining = size
        while remaining:
            data = source.read(min(CHUNK, remaining))
            if not data:
                raise crypto.ArchiveDamaged("the archive ends in the middle of a file")
            digest.update(data)
            if handle:
                handle.write(data)
            remaining -= len(data)
    finally:
        if handle:
            handle.close()
    return digest.hexdigest()


def unpack(archive: Path, workdir: Path, *, identities, passphrase: str | None, keep_documents: bool,
           on_bytes=lambda n: None) -> Unpacked:
    """Decrypt and unpack `archive` into `workdir` (documents only if `keep_documents`)."""
    result = Unpacked(workdir=workdir)

    def consume(reader: BinaryIO) -> None:
        try:
            with tarfile.open(fileobj=reader, mode="r|", bufsize=CHUNK) as tar:
                for member in tar:
                    if not member.isfile():
                        continue
                    path = _safe_relative(member.name)
                    source = tar.extractfile(member)
                    top = path.parts[0]
                    if top == "database":
                        result.database_path = workdir / "database" / path.name
                        result.database_sha256 = _copy_member(source, result.database_path, member.size)
                    elif top == "documents":
                        relative = PurePosixPath(*path.parts[1:]).as_posix()
                        target = workdir / "documents" / relative if keep_documents else None
                        result.documents[relative] = _copy_member(source, target, member.size)
                    elif member.name == ANCHORS_MEMBER:  # grows with the log: copied, not held in memory
                        result.audit_anchors_path = workdir / ANCHORS_MEMBER
                        result.audit_anchors_sha256 = _copy_member(source, result.audit_anchors_path, member.size)
                    elif member.size > 10 * 1024 * 1024:
                        raise crypto.ArchiveDamaged(f"the member {member.name} is unexpectedly large")
                    else:
                        data = source.read()
                        if member.name == "manifest.json":
                            result.manifest = json.loads(data)
                        elif member.name == "keys/files.key":
                            result.files_key = data.decode().strip()
                        elif member.name == "keys/db.key":
                            result.db_key = data.decode().strip()
                        elif member.name == "config/settings.json":
                            result.config = json.loads(data)
                    result.bytes_read += member.size
                    on_bytes(member.size)
        except (tarfile.TarError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise crypto.ArchiveDamaged(f"the archive's content is damaged ({exc})") from None

    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        with archive.open("rb") as source:
            crypto.decrypt_stream(source, consume, identities=identities, passphrase=passphrase)
    except FileNotFoundError:
        raise crypto.ArchiveDamaged(f"the archive {archive} does not exist") from None
    return result


def check(unpacked: Unpacked, *, engine: str | None = None) -> list[str]:
    """Every difference between what was unpacked and what the manifest promises, in plain words."""
    manifest = unpacked.manifest
    if manifest is None:
        return ["the archive has no manifest (it was cut short or is not an Intramuros backup)"]
    if manifest.get("format") != FORMAT:
        return [f"unknown archive format {manifest.get('format')!r}"]
    problems = []
    database = manifest["database"]
    if unpacked.database_path is None:
        problems.append("the archive holds no database")
    elif unpacked.database_sha256 != database["sha256"]:
        problems.append("the database copy does not match its recorded sha256")
    else:
        problems += _check_database(unpacked.database_path, database)
    expected = manifest["documents"]["files"]
    missing = sorted(set(expected) - set(unpacked.documents))
    altered = sorted(p for p in expected if p in unpacked.documents and unpacked.documents[p] != expected[p]["sha256"])
    if missing:
        problems.append(f"{len(missing)} document(s) missing from the archive, e.g. {missing[0]}")
    if altered:
        problems.append(f"{len(altered)} document(s) do not match their sha256, e.g. {altered[0]}")
    if not unpacked.files_key:
        problems.append("the document key is missing from the archive")
    if manifest["keys"].get("db_key") and not unpacked.db_key:
        problems.append("the database key announced by the manifest is missing")
    anchors = (manifest.get("audit") or {}).get("anchors")  # archives made before it was carried have none
    if anchors and unpacked.audit_anchors_path is None:
        problems.append("the audit anchor file announced by the manifest is missing")
    elif anchors and unpacked.audit_anchors_sha256 != anchors["sha256"]:
        problems.append("the audit anchor file does not match its recorded sha256")
    return problems


def _check_database(path: Path, database: dict) -> list[str]:
    if database["engine"] == "sqlcipher":
        verdict, counts = snapshot.check_sqlcipher_copy(path, database["copy_key"])
        if verdict != "ok":
            return [f"the database copy fails its integrity check: {verdict}"]
    else:
        verdict = snapshot.check_pg_dump(path)
        if verdict != "ok":
            return [verdict]
        counts = snapshot.pg_counts_via_scratch(path)
        if counts is None:  # no right to create a scratch database: the dump's readability was checked
            return []
    expected = database["tables"]
    differ = [f"{t} ({counts.get(t)} rows, expected {n})" for t, n in expected.items() if counts.get(t) != n]
    if differ or set(counts) != set(expected):
        return [f"the row counts differ from the manifest: {', '.join(differ[:5]) or 'table list'}"]
    return []
