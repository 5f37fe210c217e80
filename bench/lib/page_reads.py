"""Pages each request of the mix reads from the database file when its cache is cold, per action and statement.

On the embedded database every page view commits an audit row, and a commit by another connection empties the
page cache of every other connection: in the server, each request reads its pages from the file again and,
encrypted, decrypts and authenticates each of them (SQLCipher with OpenSSL: ~5-10 us of CPU per page more than
the plain file). The pages a request reads cold are therefore what the encryption costs it; this counts them:

    INTRAMUROS_DATA_DIR=/tmp/practice .venv/bin/python -m bench.lib.page_reads [--runs 20] [--statements search]

Before each request another connection commits a write, as the server's other processes do; the reads are the
read system calls of this process (`syscr` in /proc/self/io: SQLite reads one page per call, from the database
file or its write-ahead log). `--statements ACTION` lists, for one request of that action, the reads of each SQL
statement (the first 110 characters of it) with the fetching of its rows, up to the next statement, most first.
Counts, not times: they do not swing with the machine.
"""

from __future__ import annotations

import argparse
import collections
import os
import random


def read_calls() -> int:
    with open("/proc/self/io") as io:
        for line in io:
            if line.startswith("syscr:"):
                return int(line.split()[1])
    raise RuntimeError("/proc/self/io has no syscr line")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="requests per action")
    parser.add_argument("--statements", metavar="ACTION", help="also list the reads of each statement of ACTION")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
    os.environ["INTRAMUROS_HTTPS"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.lib.mix_pages import cache_emptier, mix_pages
    from bench.run import MIX

    if connection.vendor != "sqlite":
        parser.error("the page cache is the embedded database's: run without INTRAMUROS_DATABASE_URL")
    client = Client(HTTP_HOST="127.0.0.1")
    pages = mix_pages(client, args.runs + 1, slots=random.SystemRandom())
    if args.statements and args.statements not in pages:
        parser.error(f"--statements: one of {', '.join(pages)}")
    invalidate = cache_emptier(client)

    print(f"{os.environ['DJANGO_SETTINGS_MODULE']}, {args.runs} requests per action, each after another "
          "connection's write: pages read from the file per request")
    reads = {}
    for name, fn in pages.items():
        fn(0)  # warm-up: compiled statements, cached settings rows
        total = 0
        for i in range(1, args.runs + 1):
            invalidate()
            before = read_calls()
            response = fn(i)
            total += read_calls() - before
            assert response.status_code in (200, 302), (name, response.status_code)
        reads[name] = total / args.runs
        print(f"  {name:<18} {reads[name]:7.1f}")
    weights = dict(MIX)
    mixed = sum(reads[name] * weights[name] for name in reads) / sum(weights[name] for name in reads)
    print(f"  {'the mix':<18} {mixed:7.1f} pages per request (weighted as bench/run.py mixes the actions)")

    if args.statements:
        per_statement: collections.Counter[str] = collections.Counter()
        # SQLite reads a statement's rows as they are fetched, after execute() returned: each statement is
        # credited with the reads up to the next one's start.

        def count(execute, sql, params, many, context):
            now = read_calls()
            per_statement[current["sql"]] += now - current["mark"]
            current.update(sql=sql[:110], mark=now)
            return execute(sql, params, many, context)

        invalidate()
        current = {"sql": "(before the first statement)", "mark": read_calls()}
        with connection.execute_wrapper(count):
            pages[args.statements](0)
        per_statement[current["sql"]] += read_calls() - current["mark"]
        print(f"\n{args.statements}, one request: pages read per statement")
        for sql, n in per_statement.most_common():
            print(f"  {n:5d}  {sql}")


if __name__ == "__main__":
    main()
