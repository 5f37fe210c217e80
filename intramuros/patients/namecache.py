"""Patients' names kept by each thread while no patient row changed (embedded database only).

Some pages name many patients: the search tests the names of today's patients on every keystroke, the agenda
week names a hundred appointments' patients. On the embedded database each of their rows is a page read again
from the file, decrypted and authenticated, after every commit of another process (every page view appends an
audit row). A thread keeps their names instead, valid while a stamp is unchanged: triggers rewrite it on any
insert, update or delete of a patient row, whatever makes it (patients/migrations/0005_search_stamp.py).
Reading the stamp is one small page.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection

from intramuros.patients.models import NAME_COLUMNS, Patient

STAMP_TABLE = "patients_searchstamp"  # made by migration 0005
MAX_KEPT = 10_000  # ~6 MB per thread when full (measured); a week of ten practitioners names ~1,300 patients
_CHUNK = 500  # ids per statement, well under SQLite's limit on parameters


class Names(NamedTuple):
    updated_at: datetime.datetime
    deleted: bool
    birth_name: str
    used_name: str
    first_names: str
    folded: tuple[str, ...]  # the NAME_COLUMNS the search compares


_FIELDS = ("pk", "updated_at", "deleted_at", "birth_name", "used_name", "first_names", *NAME_COLUMNS)
_kept = threading.local()


def enabled() -> bool:
    """The stamp's triggers exist on the embedded database only; PostgreSQL reads rows from shared memory."""
    return connection.vendor == "sqlite"


def stamp() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {STAMP_TABLE}")  # noqa: S608 - a constant name
        return cursor.fetchone()[0]


def names_of(ids: Iterable[int]) -> dict[int, Names]:
    """{id: Names} of the patients `ids`, soft-deleted ones included (marked); ids without a row are left out.
    Only the patients not kept yet are read."""
    ids = list(ids)
    token = stamp()
    rows = getattr(_kept, "rows", None)
    if rows is None or _kept.stamp != token or len(rows) > MAX_KEPT:
        rows = _kept.rows = {}
        _kept.stamp = token
    missing = list({pk for pk in ids if pk not in rows})
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start:start + _CHUNK]
        for pk, updated_at, deleted_at, birth, used, first, *folded in (
                Patient.all_objects.filter(pk__in=chunk).order_by().values_list(*_FIELDS)):
            rows[pk] = Names(updated_at, deleted_at is not None, birth, used, first, tuple(folded))
        rows.update((pk, None) for pk in chunk if pk not in rows)  # no row: not looked for again
    return {pk: rows[pk] for pk in ids if rows[pk] is not None}
