"""Machine instructions per request of each action of the mix, counted by valgrind: figures that do not swing.

On a shared machine the CPU time of the same request swings by 20 % or more from one minute to the next, so a
change worth 2 % cannot be seen in timings. The number of instructions the process executes for a request
hardly moves: every run starts from its own copy of the practice (the same rows, the same audit log), with
the same hash seed, and does the same requests. Each action runs in its own process under valgrind's
callgrind tool (50-100 times slower than native): all actions are warmed up once, then the action runs
--runs times; a process that only warms up gives the baseline subtracted.

    .venv/bin/python bench/lib/instructions.py --data-dir /tmp/practice            # this checkout
    .venv/bin/python bench/lib/instructions.py --data-dir /tmp/practice --checkout /tmp/wt-old   # another one

Needs valgrind (Debian package `valgrind`). About 6 minutes on 2 cores for the 7 actions at --runs 20.
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


def child(checkout: str, action: str, runs: int) -> None:
    """In the measured process: warm every action up twice, then `runs` requests of `action` ("none": none)."""
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
    pages = module.mix_pages(Client(HTTP_HOST="127.0.0.1"), runs + 2, slots=random.Random(7))
    for name in ACTIONS:
        for i in range(2):
            response = pages[name](i)
            assert response.status_code in (200, 302), (name, response.status_code)
    for i in range(runs if action != "none" else 0):
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


def count(checkout: Path, data_dir: Path, action: str, runs: int) -> int:
    """Instructions executed by one measured process, on a fresh copy of the practice."""
    with tempfile.TemporaryDirectory(prefix="instructions-") as tmp:
        copy = Path(tmp) / "practice"
        shutil.copytree(data_dir, copy, symlinks=True)
        env = dict(os.environ, INTRAMUROS_DATA_DIR=str(copy), PYTHONHASHSEED="0", PYTHONPATH=str(checkout))
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, str(HERE),
             "--child", action, "--runs", str(runs), "--checkout", str(checkout)],
            cwd=checkout, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"The run of {action} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="the generated practice (copied for every run, never changed)")
    parser.add_argument("--checkout", default=str(REPO), help="the source tree to measure (default: this one)")
    parser.add_argument("--runs", type=int, default=20, help="requests of each action (default 20)")
    parser.add_argument("--actions", default=",".join(ACTIONS), help="comma-separated (default: all of the mix)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes measured at once")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.checkout, args.child, args.runs)
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
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        base = pool.submit(count, checkout, data_dir, "none", args.runs)
        totals = {a: pool.submit(count, checkout, data_dir, a, args.runs) for a in actions}
        base_total = base.result()
        per_request = {a: (f.result() - base_total) / args.runs / 1e6 for a, f in totals.items()}
    print(f"{checkout} on {data_dir}, {args.runs} requests per action, valgrind callgrind, PYTHONHASHSEED=0")
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
