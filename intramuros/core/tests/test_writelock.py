"""The write lock: one writer at a time across threads and processes, released by a dying process."""

import os
import threading
import time

from intramuros.core.db.sqlcipher.writelock import write_lock_for


def test_threads_take_turns(tmp_path):
    lock = write_lock_for(str(tmp_path / "db"))
    inside, overlaps = [], []

    def writer():
        for _ in range(20):
            lock.acquire()
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
    lock.acquire()  # the parent holds it before forking: the child must not share the parent's flock
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: takes the lock (waiting for the parent), then dies holding it
        try:
            os.write(ready_w, b"s")
            child_lock = write_lock_for(str(tmp_path / "db"))
            child_lock.acquire()
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
    lock.acquire()  # the child died holding it: free again
    lock.release()
