"""Machine instructions per request of each action of the mix, counted by valgrind: figures that do not swing.

On a shared machine the CPU time of the same request swings by 20 % or more from one minute to the next, so a
change worth 2 % cannot be seen in timings. The number of instructions the process executes for a request
hardly moves: every run starts from its own copy of the practice (the same rows, the same audit log), with
the same hash seed, and does the same requests. Each action runs in its own process under valgrind's
callgrind tool (50-100 times slower than native): all actions are warmed up once, then the action runs
--runs times; a process that only warms up gives the baseline subtracted.

    .venv/bin/python bench/lib/instructions.py --data-dir /tmp/practice            # this checkout
    .venv/bin/python bench/lib/instructions.py --data-dir /tmp/practice --checkout /tmp/wt-old   # another one

    --cold      another connection commits a write before each request, as the server's other processes do
                all day (each page view appends an audit row): every page the request reads comes from the
                file again and, encrypted, is decrypted and authenticated again (the baseline process makes
                the same writes, so they are not counted)
    --plain     the unencrypted copy of the practice (made once beside it with sqlcipher_export, as
                bench/run.py --plain does) with the same engine without a key: the encryption's share

Needs valgrind (Debian package `valgrind`). 6 to 10 minutes on 2 cores for the 7 actions at --runs 20.
Prints millions of instructions (Mi) per request for each action and the mean weighted as bench/run.py mixes
them. Compare two commits with two runs on the same practice: the lower, the less CPU.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
ACTIONS = ["search", "summary", "consultation", "agenda_week", "save_consultation", "book_appointment",
           "print_prescription"]


def child(checkout: str, action: str, runs: int, cold: bool) -> None:
    """In the measured process: warm every action up twice, then `runs` requests of `action` ("none": none);
    with `cold`, another connection's write before each (the baseline "none" makes the writes alone)."""
    sys.path.insert(0, checkout)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
    os.environ["INTRAMUROS_HTTPS"] = "0"
    import django

    django.setup()
    from django.test import Client

    _hold_periodic_work()

    # mix_pages from this file's directory: the measured checkout may be an older one without it.
    spec = importlib.util.spec_from_file_location("mix_pages", HERE.parent / "mix_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    client = Client(HTTP_HOST="127.0.0.1")
    pages = module.mix_pages(client, runs + 2, slots=random.Random(7))
    for name in ACTIONS:
        for i in range(2):
            response = pages[name](i)
            assert response.status_code in (200, 302), (name, response.status_code)
    empty_cache = module.cache_emptier(client) if cold else None
    for i in range(runs):
        if empty_cache is not None:
            empty_cache()
        if action != "none":
            pages[action](i + 2)


def _hold_periodic_work() -> None:
    """Work done once per period of wall-clock time (reloading the settings rows, renewing the session,
    checking the interaction thesaurus) is a negligible share of a request at the server's speed; under
    valgrind a request takes a second, and that work would fall on every few requests, as many as the run is
    slow. It is held off, so that the count depends on the code and the data alone."""
    forever = float("inf")
    from intramuros.core import rowcache
    from intramuros.core.middleware import SessionRenewalMiddleware
    from intramuros.documents import letterheads
    from intramuros.prescriptions import thesaurus

    # Read at every call. An older checkout whose letterheads have no bound of their own gets one, unread.
    rowcache.MAX_AGE = letterheads.MAX_AGE = forever
    SessionRenewalMiddleware.RENEW_EVERY = forever
    thesaurus.RECHECK_SECONDS = forever


def count(checkout: Path, data_dir: Path, action: str, runs: int, *, cold: bool, plain: bool) -> int:
    """Instructions executed by one measured process, on a fresh copy of the practice."""
    with tempfile.TemporaryDirectory(prefix="instructions-") as tmp:
        copy = Path(tmp) / "practice"
        # The plain run reads only the plain copy; the encrypted one never reads it.
        shutil.copytree(data_dir, copy, symlinks=True,
                        ignore=None if plain else shutil.ignore_patterns(f"{PLAIN}*"))
        env = dict(os.environ, INTRAMUROS_DATA_DIR=str(copy), PYTHONHASHSEED="0", PYTHONPATH=str(checkout))
        if plain:
            env["DJANGO_SETTINGS_MODULE"] = "bench.lib.plain_settings"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, str(HERE),
             "--child", action, "--runs", str(runs), "--checkout", str(checkout), *(["--cold"] if cold else [])],
            cwd=checkout, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"The run of {action} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


PLAIN = "intramuros-plain.db"  # the name bench/lib/plain_settings.py opens


def _make_plain_copy(data_dir: Path) -> None:
    """The unencrypted copy beside the practice, made again when the practice is newer (the practice itself is
    only read)."""
    encrypted, plain = data_dir / "intramuros.db", data_dir / PLAIN
    if plain.exists() and plain.stat().st_mtime >= encrypted.stat().st_mtime:
        return
    print(f"Exporting an unencrypted copy to {plain} (sqlcipher_export)...", flush=True)
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
    from bench.lib.dbtools import export_plain

    export_plain(encrypted, data_dir / "keys" / "db.key", plain)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="the generated practice (copied for every run, never changed)")
    parser.add_argument("--checkout", default=str(REPO), help="the source tree to measure (default: this one)")
    parser.add_argument("--runs", type=int, default=20, help="requests of each action (default 20)")
    parser.add_argument("--actions", default=",".join(ACTIONS), help="comma-separated (default: all of the mix)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes measured at once")
    parser.add_argument("--cold", action="store_true", help="another connection writes before each request")
    parser.add_argument("--plain", action="store_true", help="the unencrypted copy (made once beside the practice)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.checkout, args.child, args.runs, args.cold)
        return
    if not args.data_dir or not Path(args.data_dir, "keys").is_dir():
        parser.error("--data-dir must name a practice made by bench/generate.py")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt install valgrind): it counts the instructions.")
    actions = [a for a in args.actions.split(",") if a]
    unknown = set(actions) - set(ACTIONS)
    if unknown:
        parser.error(f"unknown actions: {', '.join(sorted(unknown))} (known: {', '.join(ACTIONS)})")
    checkout, data_dir = Path(args.checkout).resolve(), Path(args.data_dir).resolve()
    if args.plain:
        _make_plain_copy(data_dir)
    options = {"cold": args.cold, "plain": args.plain}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        base = pool.submit(count, checkout, data_dir, "none", args.runs, **options)
        totals = {a: pool.submit(count, checkout, data_dir, a, args.runs, **options) for a in actions}
        base_total = base.result()
        per_request = {a: (f.result() - base_total) / args.runs / 1e6 for a, f in totals.items()}
    print(f"{checkout} on {data_dir} ({'plain copy' if args.plain else 'encrypted'}"
          f"{', each request after another connection wrote' if args.cold else ''}), {args.runs} requests per "
          "action, valgrind callgrind, PYTHONHASHSEED=0")
    for action, mi in per_request.items():
        print(f"  {action:<18} {mi:8.2f} Mi per request")
    if set(actions) == set(ACTIONS):
        sys.path.insert(0, str(REPO))
        from bench.run import MIX

        weights = dict(MIX)
        mixed = sum(per_request[a] * weights[a] for a in actions) / sum(weights[a] for a in actions)
        print(f"  {'the mix':<18} {mixed:8.2f} Mi per request (weighted as bench/run.py mixes the actions)")


if __name__ == "__main__":
    main()
