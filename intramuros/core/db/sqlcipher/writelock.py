"""One writer at a time, queued by this process instead of SQLite's busy handler.

SQLite lets one transaction write at a time. A connection that finds the write lock taken sleeps in its busy
handler (1, 2, 5, 10, 15, 20, 25 ms... between tries) even when the lock is freed a moment later. Every page
view writes its audit row (the lock held under a millisecond, its fsync included): at 50 users a server
process spent a tenth of its time asleep there, while the lock was mostly free. Here a writer first queues
on a lock of its own process (threads), then on an exclusive `flock` of a file beside the database
(processes), tried again every 50 us to 1 ms: it starts writing within a millisecond of the lock's release,
and a process that dies releases its `flock` with it. Past the database's busy timeout it gives up with
SQLite's own error. Writers that do not go through this (another program opening the file) still meet
SQLite's own lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

from sqlcipher3.dbapi2 import OperationalError

FIRST_PAUSE = 0.00005
LONGEST_PAUSE = 0.001


class WriteLock:
    def __init__(self, database_path: str):
        self.path = f"{database_path}-writelock"
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    def acquire(self, timeout: float) -> None:
        """Wait up to `timeout` seconds, then raise OperationalError as SQLite does when it stays locked."""
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=timeout):
            raise _locked()
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            pause = FIRST_PAUSE
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise _locked() from None
                    time.sleep(pause)
                    pause = min(pause * 2, LONGEST_PAUSE)
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _forget_parent(self) -> None:
        # A descriptor inherited through fork() shares its flock with the parent: the child opens its own.
        # Closing the inherited copy leaves the parent's lock as it is (it holds its own descriptor).
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None
        self._thread_lock = threading.Lock()


def _locked() -> OperationalError:
    return OperationalError("database is locked (another writer kept it past the busy timeout)")


_locks: dict[str, WriteLock] = {}
_locks_guard = threading.Lock()


def write_lock_for(database_path: str) -> WriteLock:
    """The process's lock for this database file (one per file, shared by every connection and thread)."""
    key = os.path.realpath(database_path)
    with _locks_guard:
        if key not in _locks:
            _locks[key] = WriteLock(key)
        return _locks[key]


def _after_fork_in_child() -> None:
    global _locks_guard
    _locks_guard = threading.Lock()
    for lock in _locks.values():
        lock._forget_parent()


os.register_at_fork(after_in_child=_after_fork_in_child)
