"""The drop folder: a scanner saves files there; they move into the encrypted unfiled inbox.

A file leaves the folder only once its encrypted copy is on disk (fsync'ed) and its inbox row committed.
A file that is not an acceptable document goes to drop/refused/ with a note saying why: nothing is lost.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from intramuros.core import paths
from intramuros.core.env import env_path
from intramuros.documents.uploads import UploadRefused, max_upload_bytes

log = logging.getLogger(__name__)
REFUSED = "refused"
# Files still being written by the scanner usually carry one of these, or are too fresh to trust.
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp", "~")


def drop_dir() -> Path:
    return env_path("INTRAMUROS_DROP_DIR", paths.data_dir() / "drop")


@dataclass
class ScanResult:
    received: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _candidates(folder: Path, min_age: float) -> list[Path]:
    now = time.time()
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name.endswith(PARTIAL_SUFFIXES) or not entry.is_file():
            continue
        if now - entry.stat().st_mtime < min_age:
            continue  # the scanner may still be writing it: next round
        found.append(entry)
    return found


def _set_aside(path: Path, reason: str) -> None:
    refused_dir = path.parent / REFUSED
    refused_dir.mkdir(exist_ok=True, mode=0o700)
    target = refused_dir / path.name
    counter = 1
    while target.exists():
        target = refused_dir / f"{path.stem}-{counter}{path.suffix}"
        counter += 1
    os.replace(path, target)
    target.with_name(target.name + ".txt").write_text(reason + "\n", encoding="utf-8")


def scan_drop_folder(*, folder: Path | None = None, min_age: float = 10.0) -> ScanResult:
    """Move every finished file of the drop folder into the inbox; return what was received or refused."""
    from intramuros.documents.services import inbox_receive

    folder = folder or drop_dir()
    result = ScanResult()
    if not folder.exists():
        # Created on the first round so that the scanner (or the share it writes to) has somewhere to go.
        try:
            folder.mkdir(parents=True, mode=0o750)
        except OSError:
            log.warning("drop folder %s does not exist and cannot be created", folder)
        return result
    if not folder.is_dir():
        log.warning("drop folder %s is not a directory: check INTRAMUROS_DROP_DIR", folder)
        return result
    for path in _candidates(folder, min_age):
        try:
            if path.stat().st_size > max_upload_bytes():
                raise UploadRefused(f"{path.name} is larger than the upload limit")
            data = path.read_bytes()
            with transaction.atomic():
                inbox_receive(data=data, name=path.name)
        except UploadRefused as exc:
            log.warning("drop folder: %s set aside: %s", path.name, exc)
            _set_aside(path, str(exc))
            result.refused.append((path.name, str(exc)))
            continue
        except OSError:
            log.exception("drop folder: cannot read %s; will try again", path.name)
            continue
        # The encrypted copy is durable and its row committed: only now may the original go.
        path.unlink()
        result.received.append(path.name)
    return result
