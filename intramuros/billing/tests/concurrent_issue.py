"""Issue invoices from several threads at once (each with its own database connection).

Used by test_concurrency.py: in-process on PostgreSQL, and as a subprocess against a file-backed
encrypted SQLite database (the in-memory shared-cache test database reports "table is locked"
at once instead of waiting, so it cannot show how real connections queue behind each other).

    python -m intramuros.billing.tests.concurrent_issue THREADS PER_THREAD   (prints JSON)
"""

from __future__ import annotations

import json
import sys
import threading


def run_concurrently(*, threads: int, per_thread: int, actor, patient, practitioner) -> dict:
    from django.db import connection

    from intramuros.billing import services

    barrier = threading.Barrier(threads)
    numbers: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                # Every third attempt is bad input: it must fail without consuming a number.
                if i % 3 == 2:
                    try:
                        services.invoice_issue(actor=actor, patient=patient, practitioner=practitioner,
                                               codes="G", third_party_share="99", third_party="amo")
                    except Exception:  # noqa: BLE001 - the refusal is expected
                        pass
                invoice = services.invoice_issue(actor=actor, patient=patient, practitioner=practitioner,
                                                 codes="G")
                with lock:
                    numbers.append(invoice.number)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            with lock:
                errors.append(f"thread {k}: {exc!r}")
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return {"numbers": numbers, "errors": errors}


def main(threads: int, per_thread: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    # Building the schema needs no durability: skip the fsync of every migration (the racing
    # threads below get their own connections, with the production settings).
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous = OFF")
    # Only what issuing needs (a full migrate of every app takes long on a synced file database).
    for app in ("core", "audit", "accounts", "patients", "billing"):
        call_command("migrate", app, verbosity=0)
    from intramuros.testing.personas import make_patient, make_user

    alice = make_user("alice", "practitioner", admin=True, first="Alice", last="Bernard")
    patient = make_patient()
    connection.close()
    result = run_concurrently(threads=threads, per_thread=per_thread, actor=alice, patient=patient,
                              practitioner=alice)
    from intramuros.billing.models import Invoice

    result["seqs"] = list(Invoice.objects.order_by("seq").values_list("seq", flat=True))
    result["vendor"] = connection.vendor
    result["database"] = str(connection.settings_dict["NAME"])
    print(json.dumps(result))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
