"""Benchmark only: the changes proposed in the scaling report, tried without editing the apps.

    .venv/bin/python bench/run.py --data-dir /tmp/practice --settings bench.lib.try_fixes_settings ...

1. The session is saved when it changes, not on every request (SESSION_SAVE_EVERY_REQUEST=False here; the
   proposed change keeps the idle timeout by renewing the session at most once a minute).
2. The patient access gate's read-only care-relation checks run without `transaction.atomic()`: on the
   embedded database every atomic block starts with BEGIN IMMEDIATE, i.e. takes the write lock, even to read.
Never use this for a practice.
"""

from intramuros.settings import *  # noqa: F403
from intramuros.settings import MIDDLEWARE

SESSION_SAVE_EVERY_REQUEST = False


class PatchAccessGate:
    """Middleware installed first: swaps the gate's helper once, when the server loads the middleware."""

    def __init__(self, get_response):
        from django.db import DatabaseError

        import intramuros.patients.access as access

        def _exists(queryset) -> bool:
            try:
                return queryset.exists()
            except DatabaseError:
                return False

        access._exists = _exists
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


MIDDLEWARE = ["bench.lib.try_fixes_settings.PatchAccessGate", *MIDDLEWARE]
