"""Headless Debian chromium driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import os
import shutil
import subprocess

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def ensure_chromium() -> str:
    """Install Debian's chromium when missing and running as root (CI, a fresh machine)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, capture_output=True)
    if not os.path.exists(CHROMIUM):
        raise RuntimeError("Debian's chromium is required for the browser tests: apt-get install chromium")
    return CHROMIUM


if __name__ == "__main__":
    # `make test` calls this once before the test processes start, so that they never race on apt.
    try:
        print(f"browser tests use {ensure_chromium()}")
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        print(f"browser tests will fail: {exc}")
    from intramuros.testing.orthanc import ensure_orthanc

    print(f"imaging tests use {ensure_orthanc() or 'no Orthanc (they will be skipped)'}")
