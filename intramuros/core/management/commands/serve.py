import errno
import getpass
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from intramuros.core import lockedstart, paths
from intramuros.core.database import ensure_reachable, pending_migrations
from intramuros.core.datadir import ensure_certificate


def ensure_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"Port {port} on {host} is already in use (is Intramuros already running?): "
                    "stop the other program or choose another port with --port."
                ) from None
            raise CommandError(f"Cannot listen on {host}:{port} ({exc.strerror}): choose another --host or --port.") \
                from None


class Command(BaseCommand):
    help = "Serve the practice software (HTTPS with the practice's certificate by default)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0: the LAN)")
        parser.add_argument("--port", type=int, default=8443, help="port (default 8443)")
        parser.add_argument("--insecure-http", action="store_true",
                            help="serve plain HTTP (only behind a TLS proxy, or for tests on this machine)")
        # Single-threaded processes: in a process of several threads, the thread holding the database's
        # write lock (every page view appends an audit row) had to win Python's interpreter lock back from
        # threads rendering pages, and every writer waited. One process per core: on 2 cores, bench/run.py at
        # 50 users served 275-281 requests/s with 2 processes against 253 with 4, and with users pausing
        # 0.2 s between clicks (~220 requests/s) the search's p95 was 45-53 ms against 80-85 (4 processes
        # time-share the cores: each request took longer and cost ~12 % more CPU). The price: a long request
        # (a year's billing export, ~2 s) holds its process, and the users whose connections it serves wait
        # meanwhile; `--workers 4` on 2 cores halves that share (bench/README.md, ninth session).
        parser.add_argument("--workers", type=int, default=min(max(os.cpu_count() or 1, 2), 8),
                            help="server processes (default: one per processor core, 2 at least, 8 at most)")
        parser.add_argument("--threads", type=int, default=1,
                            help="threads per process (default 1; a long request, such as a large export, holds "
                                 "its process meanwhile: more threads let the process serve others)")
        parser.add_argument("--no-worker", action="store_true", help="do not start the background-jobs worker")
        parser.add_argument("--locked", action="store_true",
                            help="the keys are locked with a passphrase (`intramuros key lock`): ask for it at "
                                 "this terminal, or without one serve only the unlock page until an "
                                 "administrator types it in the browser (automatic when the keys are locked)")
        parser.add_argument("--unlock-in-browser", action="store_true",
                            help="with locked keys, do not ask at the terminal: wait for the browser's unlock page")

    def handle(self, *args, host, port, insecure_http, workers, threads, no_worker, locked, unlock_in_browser,
               **options):
        if not paths.secret_key_file().exists():
            raise CommandError(f"{paths.data_dir()} is not initialised: run `intramuros init` first.")
        if locked and not lockedstart.is_locked():
            raise CommandError("--locked: the keys are not locked with a passphrase. Run `intramuros key lock` "
                               "first, or start without --locked.")
        waiting = lockedstart.waiting_for_passphrase()
        unlocked_here = waiting and self._unlock_at_terminal(unlock_in_browser)
        waiting = waiting and not unlocked_here
        if not waiting:  # with locked keys nothing can read the database yet: the checks wait for the unlock
            try:
                ensure_reachable()
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
            if pending_migrations():
                raise CommandError("The database needs updating: run `intramuros upgrade` (it takes a backup "
                                   "first).")
        if unlocked_here:
            from intramuros import audit

            audit.record(actor="command line", action="security.keys.unlocked", flagged=True, via="serve")
        ensure_port_free(host, port)
        env = dict(os.environ, INTRAMUROS_DATA_DIR=str(paths.data_dir()),
                   DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "intramuros.settings"))
        granian = shutil.which("granian", path=str(Path(sys.executable).parent)) or shutil.which("granian")
        if granian is None:
            raise CommandError("granian is not installed in this environment: run `make run` to install it.")
        cmd = [granian, "--interface", "wsgi", "--host", host, "--port", str(port), "--workers", str(workers),
               "--blocking-threads", str(threads), "--no-ws", "--log-level", "warning",
               # A stop asked while a process is still loading the application reached it before it listened
               # for it, and granian waited for that process forever: past 10 s it is killed (its open
               # transaction, if any, is rolled back by the database).
               "--workers-kill-timeout", "10"]
        scheme = "http"
        if not insecure_http:
            cert, key, _ = ensure_certificate()
            cmd += ["--ssl-certificate", str(cert), "--ssl-keyfile", str(key)]
            scheme = "https"
        else:
            env["INTRAMUROS_HTTPS"] = "0"
        cmd.append("intramuros.wsgi:application")
        shown = "localhost" if host in ("0.0.0.0", "::") else host
        self.stdout.write(self.style.SUCCESS(f"Intramuros is serving at {scheme}://{shown}:{port}/"))
        if host in ("0.0.0.0", "::"):
            self.stdout.write(f"Other computers of the practice use {scheme}://{socket.gethostname()}:{port}/")
        if waiting:
            self.stdout.write(self.style.WARNING(
                f"The keys are locked: nothing can be read until an administrator types the passphrase on the "
                f"unlock page ({scheme}://{shown}:{port}{lockedstart.UNLOCK_PATH}, from a computer of the "
                "practice) or runs `intramuros key unlock` on this machine."))
        self.stdout.write("Press Ctrl+C to stop.")
        self.stdout.flush()
        if not no_worker:
            # The worker follows this process: it stops by itself when the web server (which replaces
            # this process below) is gone.
            subprocess.Popen([sys.executable, "-m", "intramuros", "worker", "--parent", str(os.getpid())], env=env)
        from django.db import connections

        connections.close_all()
        os.execve(granian, cmd, env)

    def _unlock_at_terminal(self, unlock_in_browser: bool) -> bool:
        """Ask for the passphrase at the terminal, when there is one; True once the keys are unlocked.

        The unwrapped keys go to the RAM directory (core/lockedstart.py), which the server's processes started
        next read them from: nothing plain on the disk, in the environment or on a command line.
        """
        if unlock_in_browser or not sys.stdin.isatty():
            return False
        try:
            return lockedstart.unlock_interactively(getpass.getpass)
        except lockedstart.LockError as exc:
            raise CommandError(str(exc)) from None
