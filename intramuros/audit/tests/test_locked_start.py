"""Locked start: keys wrapped by a passphrase; after a "reboot" nothing reads until unlocked."""

import secrets
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.management import CommandError, call_command

from intramuros.core import lockedstart, paths
from intramuros.core.keys import read_key_file, write_secret_file

pytestmark = pytest.mark.django_db
PASSPHRASE = "tilleuls cabinet stéthoscope 2026"


@pytest.fixture
def keys(tmp_path, monkeypatch):
    db_key = tmp_path / "keys" / "db.key"
    write_secret_file(db_key, secrets.token_hex(32) + "\n")
    write_secret_file(db_key.with_name("files.key"), secrets.token_hex(32) + "\n")
    monkeypatch.setattr(paths, "db_key_file", lambda: db_key)
    monkeypatch.setattr(paths, "backup_key_file", lambda: db_key.with_name("backup.key"))
    ram = tmp_path / "ram" / "intramuros-x"
    monkeypatch.setattr(lockedstart, "runtime_dir", lambda: ram)
    monkeypatch.setattr(lockedstart, "SCRYPT_N", 2**12)  # speed only
    return db_key, ram


def test_lock_then_reboot_then_unlock(keys):
    db_key, ram = keys
    before = read_key_file(db_key), read_key_file(paths.files_key_file(), what="x")
    lockedstart.lock(PASSPHRASE)
    assert db_key.is_symlink() and read_key_file(db_key) == before[0]  # still works until the machine stops
    assert before[0] not in lockedstart.locked_file().read_text()
    shutil.rmtree(ram)  # the reboot: memory is gone
    assert not lockedstart.is_unlocked()
    with pytest.raises(ImproperlyConfigured, match="locked with a passphrase.*intramuros key unlock"):
        read_key_file(db_key)
    with pytest.raises(lockedstart.LockError, match="does not open"):
        lockedstart.unlock("not the passphrase at all")
    lockedstart.unlock(PASSPHRASE)
    assert (read_key_file(db_key), read_key_file(paths.files_key_file(), what="x")) == before


def test_short_passphrase_refused(keys):
    with pytest.raises(lockedstart.LockError, match="at least"):
        lockedstart.lock("short")
    assert not lockedstart.is_locked()


def test_serve_asks_until_right(keys):
    _, ram = keys
    lockedstart.lock(PASSPHRASE)
    shutil.rmtree(ram)
    answers = iter(["wrong passphrase one", PASSPHRASE])
    assert lockedstart.unlock_interactively(lambda prompt: next(answers))
    assert lockedstart.is_unlocked()
    shutil.rmtree(ram)
    with pytest.raises(lockedstart.LockError, match="three times"):
        lockedstart.unlock_interactively(lambda prompt: "wrong passphrase again")


def test_key_commands(keys, tmp_path, capsys):
    _, ram = keys
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    call_command("key", "lock", "--passphrase-file", str(secret))
    shutil.rmtree(ram)
    call_command("key", "status")
    assert "run `intramuros key unlock`" in capsys.readouterr().out
    call_command("key", "unlock", "--passphrase-file", str(secret))
    call_command("key", "status")
    assert "unlocked in memory" in capsys.readouterr().out
    secret.write_text("a wrong passphrase\n")
    with pytest.raises(CommandError, match="does not open"):
        call_command("key", "unlock", "--passphrase-file", str(secret))


def test_rotating_locked_keys_keeps_them_locked(keys, tmp_path, monkeypatch):
    from intramuros.core import keyrotation
    from intramuros.core.management.commands import key as key_command

    db_key, ram = keys
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    call_command("key", "lock", "--passphrase-file", str(secret))
    old = read_key_file(db_key)
    rotation = keyrotation.RotationPaths(db_key=db_key, files_key=paths.files_key_file(),
                                         documents=tmp_path / "docs", database=None)
    monkeypatch.setattr(key_command, "default_paths", lambda: rotation)
    call_command("key", "rotate", "--passphrase-file", str(secret))
    assert db_key.is_symlink() and read_key_file(db_key) != old
    new = read_key_file(db_key)
    shutil.rmtree(ram)
    lockedstart.unlock(PASSPHRASE)
    assert read_key_file(db_key) == new


def test_a_locked_server_shows_only_the_unlock_page(keys, client):
    _, ram = keys
    lockedstart.lock(PASSPHRASE)
    shutil.rmtree(ram)
    page = client.get("/patients/")
    assert page.status_code == 503 and 'name="passphrase"' in page.content.decode()
    remote = client.post("/unlock/", {"passphrase": PASSPHRASE}, REMOTE_ADDR="203.0.113.9")
    assert remote.status_code == 503 and not lockedstart.is_unlocked()
    wrong = client.post("/unlock/", {"passphrase": "not the right one"})
    assert wrong.status_code == 503 and 'id="unlock-error"' in wrong.content.decode()
    right = client.post("/unlock/", {"passphrase": PASSPHRASE})
    assert right.status_code == 302 and lockedstart.is_unlocked()


def test_unlock_page_pauses_after_repeated_failures(keys, rf):
    _, ram = keys
    lockedstart.lock(PASSPHRASE)
    shutil.rmtree(ram)
    middleware = lockedstart.LockedStartMiddleware(lambda request: None)
    for _ in range(lockedstart.MAX_FAILURES):
        middleware(rf.post("/unlock/", {"passphrase": "wrong guess here"}))
    paused = middleware(rf.post("/unlock/", {"passphrase": PASSPHRASE}))
    assert paused.status_code == 503 and not lockedstart.is_unlocked()
    assert "wait a minute" in paused.content.decode() or "attendez" in paused.content.decode().lower()


def test_locking_overwrites_the_plain_key_files(keys, tmp_path):
    db_key, _ = keys
    twin = tmp_path / "same-inode"
    twin.hardlink_to(db_key)  # sees what becomes of the disk blocks of the plain file
    plain = twin.read_bytes()
    lockedstart.lock(PASSPHRASE)
    assert db_key.is_symlink()
    assert twin.read_bytes() == b"\0" * len(plain)


def test_plain_keys_go_only_to_a_memory_filesystem(monkeypatch):
    if lockedstart.filesystem_type(Path("/dev/shm")) != "tmpfs":
        pytest.skip("this machine has no tmpfs on /dev/shm")
    assert lockedstart.runtime_dir().parent == Path("/dev/shm")
    monkeypatch.setattr(lockedstart, "filesystem_type", lambda path: "ext4")
    with pytest.raises(lockedstart.LockError, match="No memory-backed directory"):
        lockedstart.runtime_dir()


def test_middleware_costs_nothing_unless_the_keys_wait_for_their_passphrase(keys):
    with pytest.raises(MiddlewareNotUsed):
        lockedstart.LockedStartMiddleware(lambda request: "served")
    lockedstart.lock(PASSPHRASE)
    with pytest.raises(MiddlewareNotUsed):  # locked, but unlocked in memory since the machine started
        lockedstart.LockedStartMiddleware(lambda request: "served")


def test_an_unlock_by_another_process_opens_this_one(keys, rf):
    _, ram = keys
    lockedstart.lock(PASSPHRASE)
    shutil.rmtree(ram)
    middleware = lockedstart.LockedStartMiddleware(lambda request: "served")
    assert middleware(rf.get("/patients/")).status_code == 503
    lockedstart.unlock(PASSPHRASE)  # as another server process, or `intramuros key unlock`, would
    assert middleware(rf.get("/patients/")) == "served"
    assert middleware(rf.get(lockedstart.UNLOCK_PATH)).status_code == 302


def test_unlocking_in_the_browser_is_audited(keys, client):
    from intramuros.audit.models import AuditEvent

    _, ram = keys
    lockedstart.lock(PASSPHRASE)
    shutil.rmtree(ram)
    assert client.post(lockedstart.UNLOCK_PATH, {"passphrase": PASSPHRASE}).status_code == 302
    event = AuditEvent.objects.filter(action="security.keys.unlocked").latest("seq")
    assert event.flagged and event.detail["via"] == "browser" and event.ip == "127.0.0.1"


def test_init_never_replaces_locked_keys(keys, tmp_path):
    from intramuros.core.datadir import initialise_keys

    db_key, ram = keys
    lockedstart.lock(PASSPHRASE)
    shutil.rmtree(ram)
    with pytest.raises(ImproperlyConfigured, match="intramuros key unlock"):
        initialise_keys(tmp_path / "data")
    assert db_key.is_symlink() and paths.files_key_file().is_symlink()


def test_worker_waits_for_the_passphrase(keys, capsys, monkeypatch):
    from intramuros.core import scheduler

    _, ram = keys
    lockedstart.lock(PASSPHRASE)
    shutil.rmtree(ram)
    ran = []
    monkeypatch.setattr(scheduler, "run_due", lambda: ran.append("jobs"))
    call_command("worker", "--once")
    assert "waiting for the passphrase" in capsys.readouterr().out and ran == []


def test_serve_locked_refuses_plain_keys(keys):
    with pytest.raises(CommandError, match="not locked with a passphrase.*intramuros key lock"):
        call_command("serve", "--locked", "--port", "1")


def test_the_backup_key_is_locked_with_the_others(keys):
    from intramuros.backup import crypto

    _, ram = keys
    assert not paths.backup_key_file().exists()
    lockedstart.lock(PASSPHRASE)  # made at once, in memory: a backup made later would write it plain
    assert paths.backup_key_file().is_symlink()
    identity = str(crypto.machine_identity(create=False))
    shutil.rmtree(ram)
    with pytest.raises(crypto.BackupKeyError, match="intramuros key unlock"):
        crypto.machine_identity()
    assert paths.backup_key_file().is_symlink()  # not replaced by a new key
    lockedstart.unlock(PASSPHRASE)
    assert str(crypto.machine_identity()) == identity
