"""`intramuros serve` really serves, over HTTPS by default, and says why when it cannot."""

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

import pytest


def _env(data_dir):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INTRAMUROS_", "DJANGO_"))}
    env["INTRAMUROS_DATA_DIR"] = str(data_dir)
    return env


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, initialised_data_dir):
    data = tmp_path_factory.mktemp("serve")
    return initialised_data_dir(data, _env(data))


def _wait_for(url, context=None, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, context=context, timeout=2) as response:  # noqa: S310 (loopback)
                return response
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def test_serves_https_with_the_generated_certificate(data_dir):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "intramuros", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--no-worker"], env=_env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        context = ssl.create_default_context(cafile=str(data_dir / "tls" / "cert.pem"))
        response = _wait_for(f"https://localhost:{port}/health", context=context)
        assert response.status == 200
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_port_in_use_is_said_in_one_sentence(data_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "intramuros", "serve", "--host", "127.0.0.1", "--port",
                                 str(port), "--no-worker"], env=_env(data_dir), capture_output=True, text=True,
                                timeout=60)
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_uninitialised_directory_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "intramuros", "serve", "--port", str(_free_port())],
                            env=_env(tmp_path / "empty"), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "intramuros init" in result.stderr
