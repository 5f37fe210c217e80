"""Durable file writes: a file replaced this way is whole, old or new, after a power cut."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    """Make a rename or removal in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(target: Path, payload: bytes, *, suffix: str = ".tmp") -> None:
    """Write `payload` to `target` (0600): temporary file + fsync + rename + fsync of the directory.

    The temporary file, `.<name>.<random><suffix>` beside the target, is removed if writing it fails.
    """
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{suffix}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, target)
    fsync_directory(target.parent)
