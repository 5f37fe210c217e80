"""The write lock: one writer at a time across threads and processes, released by a dying process."""

import fcntl
import os
import threading
import time

import pytest
from sqlcipher3.dbapi2 import OperationalError

from intramuros.core.db.sqlcipher.writelock import write_lock_for

WAIT = 10


def test_threads_take_turns(tmp_path):
    lock = write_lock_for(str(tmp_path / "db"))
    inside, overlaps = [], []

    def writer():
        for _ in range(20):
            lock.acquire(WAIT)
            try:
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(len(inside))
                time.sleep(0.0005)
                inside.pop()
            finally:
                lock.release()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
    assert write_lock_for(str(tmp_path / "db")) is lock  # one per file and process


def test_another_process_waits_and_a_dead_holder_releases(tmp_path):
    lock = write_lock_for(str(tmp_path / "db"))
    lock.acquire(WAIT)  # the parent holds it before forking: the child must not share the parent's flock
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: takes the lock (waiting for the parent), then dies holding it
        try:
            os.write(ready_w, b"s")
            child_lock = write_lock_for(str(tmp_path / "db"))
            child_lock.acquire(WAIT)
            os.write(ready_w, b"a")
        finally:
            os._exit(0)
    try:
        assert os.read(ready_r, 1) == b"s"
        time.sleep(0.3)
        os.set_blocking(ready_r, False)
        try:
            early = os.read(ready_r, 1)
        except BlockingIOError:
            early = b""
        assert early == b"", "the child took the lock the parent holds"
    finally:
        lock.release()
    os.set_blocking(ready_r, True)
    assert os.read(ready_r, 1) == b"a"  # taken once released
    os.waitpid(pid, 0)
    lock.acquire(WAIT)  # the child died holding it: free again
    lock.release()


def test_a_writer_gives_up_after_the_timeout_as_sqlite_does(tmp_path):
    lock = write_lock_for(str(tmp_path / "db"))
    lock.acquire(WAIT)
    failed = []

    def writer():  # another thread of the process
        try:
            lock.acquire(0.2)
        except OperationalError as exc:
            failed.append(str(exc))

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join()
    assert failed and "database is locked" in failed[0]
    pid = os.fork()
    if pid == 0:  # another process: the flock is held by the parent
        code = 1
        try:
            write_lock_for(str(tmp_path / "db")).acquire(0.2)
        except OperationalError:
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the other process did not give up"
    lock.release()
    lock.acquire(WAIT)  # still usable after the others gave up
    lock.release()


def _file_database(tmp_path, alias):
    from django.db import connection

    from intramuros.core.db.sqlcipher.base import DatabaseWrapper
    from intramuros.core.keys import ensure_secret_file

    if connection.vendor != "sqlite":
        pytest.skip("the write lock belongs to the embedded database")
    ensure_secret_file(tmp_path / "db.key")
    return DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "practice.db"),
                            "OPTIONS": {"key_file": str(tmp_path / "db.key"), "transaction_mode": "IMMEDIATE"}},
                           alias=alias)


@pytest.mark.django_db
def test_a_transaction_holds_it_from_begin_to_commit_or_rollback(tmp_path):
    """Django's transactions on a database file queue on the lock, not in SQLite's busy handler."""
    from django.db import connections, transaction

    first = connections["writelock-first"] = _file_database(tmp_path, "writelock-first")
    lock = write_lock_for(str(tmp_path / "practice.db"))
    events = []

    def other_writer():  # a thread of its own, with its own connection
        second = connections["writelock-second"] = _file_database(tmp_path, "writelock-second")
        try:
            with transaction.atomic(using="writelock-second"):
                events.append("second began")
                with second.cursor() as cursor:
                    cursor.execute("INSERT INTO t VALUES (2)")
        finally:
            second.close()

    def flock_taken() -> bool:  # as another process would find it
        fd = os.open(f"{tmp_path / 'practice.db'}-writelock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    try:
        with first.cursor() as cursor:
            cursor.execute("CREATE TABLE t (v INTEGER)")
        with transaction.atomic(using="writelock-first"):
            assert flock_taken()
            with first.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (1)")
            thread = threading.Thread(target=other_writer)
            thread.start()
            time.sleep(0.3)
            assert events == [], "the other writer began while this one held the lock"
            events.append("first commits")
        thread.join(WAIT)
        assert events == ["first commits", "second began"]
        assert not flock_taken()
        with pytest.raises(ZeroDivisionError), transaction.atomic(using="writelock-first"):
            1 / 0
        assert not flock_taken()
        lock.acquire(0.5)  # a rollback released the process's lock too
        lock.release()
        with first.cursor() as cursor:
            cursor.execute("SELECT v FROM t ORDER BY v")
            assert [row[0] for row in cursor.fetchall()] == [1, 2]
    finally:
        first.close()
        del connections["writelock-first"]
