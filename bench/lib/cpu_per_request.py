"""CPU time per request of the main pages, in-process (Django's test client), for one database setting.

HTTP figures on a shared machine swing with the other work; the CPU time the server process spends per
request (time.process_time) hardly does, which makes it the fair way to compare the encrypted embedded
database with the plain one (and PostgreSQL) on a busy machine:

    INTRAMUROS_DATA_DIR=/tmp/practice .venv/bin/python -m bench.lib.cpu_per_request [--runs 40]
    INTRAMUROS_DATA_DIR=/tmp/practice DJANGO_SETTINGS_MODULE=bench.lib.plain_settings \\
        .venv/bin/python -m bench.lib.cpu_per_request        # after bench/run.py --plain made the copy
    INTRAMUROS_DATABASE_URL=postgres://... INTRAMUROS_DATA_DIR=... .venv/bin/python -m bench.lib.cpu_per_request

With --cold (embedded database only), another connection commits a write before each timed request, as
the server's other processes do all day (every page view appends an audit row): SQLite then drops the
request's page cache, and every page it reads is read (and, encrypted, decrypted and authenticated) again.

Prints, per page: CPU ms per request (median of the runs), wall ms, and the number of SQL queries; then the
mean of the pages weighted as bench/run.py mixes them, the CPU one request of the mix costs in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--cold", action="store_true",
                        help="another connection writes before each request (embedded database only)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
    os.environ["INTRAMUROS_HTTPS"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.lib.mix_pages import cache_emptier, mix_pages

    client = Client(HTTP_HOST="127.0.0.1")
    # Fresh slots on every run: a repeated run would measure conflict pages.
    pages = mix_pages(client, args.runs, slots=random.SystemRandom())
    if args.cold and connection.vendor != "sqlite":
        parser.error("--cold is for the embedded database")
    invalidate = cache_emptier(client) if args.cold else (lambda: None)

    figures = {"database": connection.vendor, "cold": args.cold, "settings": os.environ["DJANGO_SETTINGS_MODULE"],
               "pages": {}}
    print(f"{connection.vendor} ({os.environ['DJANGO_SETTINGS_MODULE']}), {args.runs} runs per page"
          + (", each after another connection's write" if args.cold else ""))
    for name, fn in pages.items():
        fn(0)  # warm-up
        cpu, wall = [], []
        for i in range(args.runs):
            invalidate()
            c0, w0 = time.process_time(), time.perf_counter()
            response = fn(i)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            assert response.status_code in (200, 302), (name, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            fn(0)
        figures["pages"][name] = {"cpu_ms": round(statistics.median(cpu), 1),
                                  "wall_ms": round(statistics.median(wall), 1), "queries": len(queries)}
        print(f"  {name:<18} CPU {figures['pages'][name]['cpu_ms']:6.1f} ms   wall "
              f"{figures['pages'][name]['wall_ms']:6.1f} ms   {len(queries)} queries")
    from bench.run import MIX

    weights = dict(MIX)
    mixed = sum(figures["pages"][name]["cpu_ms"] * weights[name] for name in pages) / sum(weights[n] for n in pages)
    figures["mix_cpu_ms"] = round(mixed, 2)
    print(f"  {'the mix':<18} CPU {mixed:6.2f} ms per request (weighted as bench/run.py mixes the actions)")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
