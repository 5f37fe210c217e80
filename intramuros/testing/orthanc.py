"""A real Orthanc server on loopback for the imaging tests (Debian's `orthanc` package)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ORTHANC = "/usr/sbin/Orthanc"


def ensure_orthanc() -> str | None:
    if os.path.exists(ORTHANC):
        return ORTHANC
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "orthanc"], check=False,
                       env=env, capture_output=True)
    return ORTHANC if os.path.exists(ORTHANC) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_orthanc(workdir: Path, *, worklists: Path | None = None) -> tuple[subprocess.Popen, str]:
    http_port = _free_port()
    config = {
        "Name": "IntramurosTest", "StorageDirectory": str(workdir / "storage"),
        "IndexDirectory": str(workdir / "index"), "HttpPort": http_port, "DicomPort": _free_port(),
        "RemoteAccessAllowed": False, "AuthenticationEnabled": False, "DicomServerEnabled": False,
        "Plugins": [], "ConcurrentJobs": 1, "HttpThreadsCount": 4,
    }
    if worklists:
        config["Plugins"] = ["/usr/share/orthanc/plugins/libModalityWorklists.so"]
        config["Worklists"] = {"Enable": True, "Database": str(worklists)}
    (workdir / "orthanc.json").write_text(json.dumps(config))
    proc = subprocess.Popen([ORTHANC, str(workdir / "orthanc.json")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/system", timeout=1):  # noqa: S310 (loopback)
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("Orthanc did not start within 30 s")
