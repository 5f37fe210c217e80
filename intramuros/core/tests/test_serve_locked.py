"""`intramuros serve` with locked keys, as after a reboot: the real server, in its own processes.

In the browser: only the unlock page until the passphrase is typed, then the ordinary pages, in every server
process. At the terminal: the passphrase is asked before the server starts. Never a plain key on the disk.
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from intramuros.core import lockedstart

PASSPHRASE = "glycine préau ordonnance 1987"
PASSWORD = "Coquelicot-Verveine-42"

pytestmark = pytest.mark.skipif(lockedstart.filesystem_type(Path("/dev/shm")) != "tmpfs",  # noqa: S108
                                reason="the unlocked keys need a tmpfs on /dev/shm")


def _env(data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_"))}
    env.update(INTRAMUROS_DATA_DIR=str(data_dir), INTRAMUROS_LANGUAGE="en", PYTHONUNBUFFERED="1")
    return env


def _run(data_dir, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "intramuros", *map(str, args)], env=_env(data_dir), input=stdin,
                          capture_output=True, text=True, timeout=180, check=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reboot(practice):
    """What a restart of the machine does to the unlocked keys: the memory they were in is gone."""
    shutil.rmtree(practice["ram"], ignore_errors=True)
    assert not (practice["data"] / "keys" / "db.key").exists()


@pytest.fixture(scope="module")
def practice(tmp_path_factory, initialised_data_dir):
    data = tmp_path_factory.mktemp("locked") / "data"
    initialised_data_dir(data, _env(data))
    _run(data, "createuser", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    secret = data.parent / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n")
    _run(data, "key", "lock", "--passphrase-file", secret)
    ram = Path(os.readlink(data / "keys" / "db.key")).parent
    assert lockedstart.filesystem_type(ram) == "tmpfs"
    keys = {p.name: p.read_text().strip() for p in ram.iterdir()}
    yield {"data": data, "ram": ram, "keys": keys}
    shutil.rmtree(ram, ignore_errors=True)


class Server:
    """`intramuros serve` in the background, its output collected as it comes."""

    def __init__(self, practice, *args, stdin=subprocess.DEVNULL):
        self.port = _free_port()
        self.output = ""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "intramuros", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--insecure-http", "--threads", "2", *args],
            env=_env(practice["data"]), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for chunk in iter(lambda: os.read(self.proc.stdout.fileno(), 4096), b""):
            self.output += chunk.decode(errors="replace")

    def wait_output(self, text, *, count=1, timeout=60):
        deadline = time.monotonic() + timeout
        while self.output.count(text) < count:
            assert time.monotonic() < deadline, f"{text!r} not printed within {timeout} s:\n{self.output}"
            if self.proc.poll() is not None:  # what it printed last may still be on its way
                deadline = min(deadline, time.monotonic() + 2)
            time.sleep(0.1)

    def request(self, method, path, *, form=None, cookies=""):
        """One request on a new connection (so that every server process gets its share)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": cookies} if cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response, response.read().decode(errors="replace")
        finally:
            conn.close()

    def wait_answering(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.request("GET", "/accounts/login/")
            except OSError:
                assert time.monotonic() < deadline, f"no answer within {timeout} s:\n{self.output}"
                assert self.proc.poll() is None, f"the server stopped:\n{self.output}"
                time.sleep(0.3)

    def stop(self):
        os.killpg(self.proc.pid, 15)
        self.proc.wait(timeout=30)


def _no_plain_key_on_disk(practice):
    for path in practice["data"].rglob("*"):
        if path.is_file() and not path.is_symlink():
            content = path.read_bytes()
            for key in practice["keys"].values():
                assert key.encode() not in content, f"a plain key is in {path}"


def test_browser_unlock_opens_every_server_process(practice):
    _reboot(practice)
    server = Server(practice, "--workers", "2")
    try:
        status, _, page = server.wait_answering()
        assert status == 503 and 'name="passphrase"' in page
        server.wait_output("The keys are locked: nothing can be read until an administrator types the passphrase")
        server.wait_output("worker: the keys are locked; waiting for the passphrase")
        for path in ("/patients/", "/", "/health", "/audit/"):
            status, response, page = server.request("GET", path)
            assert status == 503 and 'name="passphrase"' in page, path
            assert response.getheader("Retry-After") and "alice" not in page
        status, _, page = server.request("POST", lockedstart.UNLOCK_PATH, form={"passphrase": "not the right one"})
        assert status == 503 and "This passphrase does not open the keys" in page
        assert not (practice["data"] / "keys" / "db.key").exists()

        status, response, _ = server.request("POST", lockedstart.UNLOCK_PATH, form={"passphrase": PASSPHRASE})
        assert status == 302 and response.getheader("Location") == "/"
        for _ in range(12):  # new connections, spread over both server processes: all see the keys
            status, _, page = server.request("GET", "/accounts/login/")
            assert status == 200 and 'name="username"' in page and 'name="passphrase"' not in page
        status, response, page = server.request("GET", "/accounts/login/")
        csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, response, _ = server.request("POST", "/accounts/login/", cookies=f"csrftoken={csrf}", form={
            "csrfmiddlewaretoken": token, "username": "alice", "password": PASSWORD})
        assert status == 302 and "sessionid=" in response.getheader("Set-Cookie")
        server.wait_output("periodic job(s)")  # the background worker went on once unlocked
        _no_plain_key_on_disk(practice)
    finally:
        server.stop()


def test_terminal_asks_for_the_passphrase_before_serving(practice):
    _reboot(practice)
    terminal, tty = os.openpty()
    server = Server(practice, "--workers", "1", "--no-worker", stdin=tty)
    os.close(tty)
    try:
        server.wait_output("Passphrase of the practice's keys:")
        os.write(terminal, b"a wrong passphrase\n")
        server.wait_output("This passphrase does not open the keys")
        server.wait_output("Passphrase of the practice's keys:", count=2)
        os.write(terminal, PASSPHRASE.encode() + b"\n")
        status, _, page = server.wait_answering()
        assert status == 200 and 'name="username"' in page
        assert "The keys are locked" not in server.output and PASSPHRASE not in server.output  # not echoed
        _no_plain_key_on_disk(practice)
    finally:
        server.stop()
        os.close(terminal)


def test_terminal_gives_up_after_three_wrong_passphrases(practice):
    _reboot(practice)
    terminal, tty = os.openpty()
    server = Server(practice, "--no-worker", stdin=tty)
    os.close(tty)
    try:
        for attempt in range(1, 4):
            server.wait_output("Passphrase of the practice's keys:", count=attempt)
            os.write(terminal, b"still not the passphrase\n")
        assert server.proc.wait(timeout=60) != 0
        server.wait_output("Wrong passphrase, three times: the server does not start.", timeout=5)
        assert "Traceback" not in server.output
    finally:
        os.close(terminal)
