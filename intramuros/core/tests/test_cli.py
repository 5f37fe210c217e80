"""The `intramuros` command: help everywhere, users created from the command line."""

import os
import subprocess
import sys


def _run(data_dir, *args, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_"))}
    return subprocess.run([sys.executable, "-m", "intramuros", "--data-dir", str(data_dir), *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


def test_help_lists_the_commands(tmp_path):
    result = _run(tmp_path, "--help")
    assert result.returncode == 0
    for name in ("init", "serve", "demo", "createuser", "check"):
        assert f"  {name} " in result.stdout
    sub = _run(tmp_path, "serve", "--help")
    assert "--insecure-http" in sub.stdout


def test_init_is_idempotent_and_createuser_refuses_weak_passwords(tmp_path):
    assert _run(tmp_path, "init").returncode == 0
    again = _run(tmp_path, "init")
    assert again.returncode == 0 and "created" not in again.stdout
    weak = _run(tmp_path, "createuser", "anne", "--role", "practitioner", "--password-stdin", stdin="password\n")
    assert weak.returncode != 0 and "Traceback" not in weak.stderr
    ok = _run(tmp_path, "createuser", "anne", "--role", "practitioner", "--admin", "--password-stdin",
              stdin="violet-tramway-cactus-harbour\n")
    assert ok.returncode == 0, ok.stderr
    dup = _run(tmp_path, "createuser", "anne", "--password-stdin", stdin="violet-tramway-cactus-harbour\n")
    assert dup.returncode != 0 and "exists already" in dup.stderr


def test_key_files_are_private(tmp_path):
    _run(tmp_path, "init")
    for name in ("db.key", "secret.key", "files.key"):
        assert (tmp_path / "keys" / name).stat().st_mode & 0o077 == 0
    assert (tmp_path / "tls" / "key.pem").stat().st_mode & 0o077 == 0
