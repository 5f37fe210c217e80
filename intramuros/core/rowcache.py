"""A per-process cache of the settings rows (the practice, the security policy, the agenda settings, the
letterheads): see CoreConfig.ready for the list.

Every request reads some of them (two-factor rule, local networks, lockdown; every agenda page, every print),
which cost a query or more each time.
Each server process keeps the rows it read and reloads them when another process changed one: a save
replaces the stamp file DATA_DIR/run/settings.stamp (a new file each time, so its inode changes), and a
reader compares the stamp's identity, one stat() call, before trusting its copy. A change therefore
applies to the very next request in every process of this machine, the lockdown included.

A copy is also never older than MAX_AGE seconds: a second site reading a streaming replica has no stamp
to watch, and picks up a lockdown made at the main site within that bound. Rows that decide nothing about
access (the letterheads) may ask for a longer bound: a letterhead costs milliseconds to load (its logo is
decrypted), and with several processes and practitioners a 2-second copy was reloaded for nearly every print.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from intramuros.core.paths import data_dir

MAX_AGE = 2.0

_lock = threading.Lock()
_rows: dict[str, tuple[tuple, float, Any]] = {}
_stamp_for: tuple[str | None, str] = (None, "")  # (INTRAMUROS_DATA_DIR, the stamp path under it)


def _stamp_path() -> str:
    global _stamp_for
    # Resolving the data directory costs more than the stat() itself; it is fixed for a server process, but
    # a test may point INTRAMUROS_DATA_DIR elsewhere: remember the path per value of the variable. A relative
    # value or none (./data) depends on the working directory, so is resolved every time.
    raw = os.environ.get("INTRAMUROS_DATA_DIR")
    known, path = _stamp_for
    if raw is not None and raw == known:
        return path
    path = os.path.join(data_dir(), "run", "settings.stamp")
    if raw and os.path.isabs(raw):
        _stamp_for = (raw, path)
    return path


def _stamp() -> tuple:
    try:
        st = os.stat(_stamp_path())
    except OSError:
        return (0, 0)
    return (st.st_ino, st.st_mtime_ns)


def get(key: str, load: Callable[[], Any], *, max_age: float | None = None) -> Any:
    """The cached row under `key`, or `load()` when a process changed it since (or it is older than
    `max_age` seconds, MAX_AGE by default)."""
    stamp, now = _stamp(), time.monotonic()
    entry = _rows.get(key)
    if entry is not None and entry[0] == stamp and now - entry[1] < (MAX_AGE if max_age is None else max_age):
        return entry[2]
    value = load()
    with _lock:
        _rows[key] = (stamp, now, value)
    return value


def changed() -> None:
    """A settings row was saved: forget this process's copies and tell the other processes."""
    clear()
    directory = os.path.dirname(_stamp_path())
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".stamp-")
        os.close(fd)
        os.replace(tmp, _stamp_path())
    except OSError:
        # No writable data directory (a read-only check command): nothing to tell, MAX_AGE still bounds copies.
        pass


def clear() -> None:
    with _lock:
        _rows.clear()
