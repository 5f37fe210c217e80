"""Kill -9 the server in the middle of a stream of writes: every acknowledged write is there afterwards."""

import http.client
import re
import socket
import subprocess
import sys
import threading
import urllib.parse

import pytest
from django.db import connection

from intramuros.backup.tests.cli import env_for, open_db, run

ROUNDS = 5
WRITERS = 3
PASSWORD = "Kill-Nine-Durability-Check-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, CSRF token, no redirect following."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, form=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Referer": f"http://127.0.0.1:{self.port}/"}
        body = None
        if form is not None:
            form = dict(form, csrfmiddlewaretoken=self.cookies.get("csrftoken", ""))
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response


def _wait_until_serving(port, proc):
    for _ in range(600):
        if proc.poll() is not None:
            raise AssertionError(f"the server stopped: {proc.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            threading.Event().wait(0.05)  # polling the port, not timing the test
    raise AssertionError("the server did not start")


def _login(port) -> Browser:
    browser = Browser(port)
    browser.request("GET", "/accounts/login/")
    response = browser.request("POST", "/accounts/login/", {"username": "owner", "password": PASSWORD})
    assert response.status == 302, response.status
    return browser


def _writer(browser, prefix, acknowledged, stop):
    i = 0
    while not stop.is_set():
        username = f"{prefix}_{i}"
        i += 1
        try:
            response = browser.request("POST", "/accounts/users/new/", {
                "username": username, "first_name": "Kill", "last_name": "Test", "role": "secretary",
                "password": PASSWORD + username})
        except (OSError, http.client.HTTPException):
            return  # the server died: this write was never acknowledged
        if response.status == 302 and "/accounts/users/" in response.headers.get("Location", ""):
            acknowledged.append(username)
        else:
            raise AssertionError(f"unexpected answer {response.status} to a valid form")


def test_acknowledged_writes_survive_sigkill_of_the_server(tmp_path, initialised_data_dir):
    if connection.vendor != "sqlite":
        pytest.skip("crash durability of the embedded database file (PostgreSQL has its own WAL guarantees)")
    data = initialised_data_dir(tmp_path / "practice", env_for(tmp_path / "practice"))
    run(data, "createuser", "owner", "--admin", "--password-stdin", "--practice-name", "Cabinet", stdin=PASSWORD + "\n")
    acknowledged: list[str] = []
    for round_ in range(ROUNDS):
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "intramuros", "serve", "--insecure-http", "--no-worker", "--host", "127.0.0.1",
             "--port", str(port)], env=env_for(data), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        try:
            _wait_until_serving(port, server)
            browser = _login(port)
            stop, this_round = threading.Event(), []
            threads = [threading.Thread(target=_writer, args=(browser, f"r{round_}w{w}", this_round, stop))
                       for w in range(WRITERS)]
            for t in threads:
                t.start()
            # Kill once a few writes have been acknowledged, while the writers keep sending more.
            target = 4 + round_
            while len(this_round) < target and any(t.is_alive() for t in threads):
                threading.Event().wait(0.01)
        finally:
            import os
            import signal

            os.killpg(server.pid, signal.SIGKILL)  # the server and every process it started
            server.wait()
        stop.set()
        for t in threads:
            t.join()
        acknowledged += this_round
        conn = open_db(data)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            present = {r[0] for r in conn.execute("SELECT username FROM accounts_user")}
        finally:
            conn.close()
        missing = [u for u in acknowledged if u not in present]
        assert not missing, f"round {round_}: acknowledged writes lost: {missing}"
    assert len(acknowledged) >= ROUNDS * 4
    assert re.match(r"r0w\d_\d+", acknowledged[0])
