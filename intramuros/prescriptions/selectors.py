"""Reads of the prescriptions app: catalogue search, a patient's prescriptions, templates."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from intramuros.core.prepared import Prepared
from intramuros.core.text import fold
from intramuros.prescriptions.models import (
    Drug,
    DrugTerm,
    Prescription,
    PrescriptionPrint,
    PrescriptionTemplate,
)

MIN_TERM = 2


def _upper(word: str) -> str:
    return word[:-1] + chr(ord(word[-1]) + 1)


def _prefix_range(word: str) -> Q:
    """term >= 'amox' AND term < 'amoy': an index range on both databases (LIKE 'amox%' is not, on SQLite)."""
    return Q(term__gte=word, term__lt=_upper(word))


def _term_matches(words: list[str], limit: int) -> list[int]:
    """Ids of drugs having, for every word, a term starting with it: one self-join on the term table.

    The longest word drives an index range scan; each other word is checked on the same drug through the
    drug_id index, and the scan stops at `limit` (never a sort, nor a scan of every drug that has a word
    starting with '10').
    """
    table = connection.ops.quote_name(DrugTerm._meta.db_table)
    joins, where, params = [], [], []
    for i, word in enumerate(words):
        if i:
            joins.append(f"JOIN {table} t{i} ON t{i}.drug_id = t0.drug_id")
        where.append(f"t{i}.term >= %s AND t{i}.term < %s")
        params += [word, _upper(word)]
    sql = (f"SELECT DISTINCT t0.drug_id FROM {table} t0 {' '.join(joins)} "  # noqa: S608 (names, not input)
           f"WHERE {' AND '.join(where)} LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [row[0] for row in cursor.fetchall()]


def _rank(drug: Drug, typed: str) -> tuple:
    return (not drug.is_marketed, not drug.name_folded.startswith(typed), drug.name_folded)


def drug_search(*, text: str, limit: int = 20, include_withdrawn: bool = False) -> list[Drug]:
    """Drugs whose name starts with the text typed, then those with a word of their name or of an active
    substance starting with every word typed; accents and case ignored. Marketed drugs come first.

    'dolip' finds DOLIPRANE by its name; 'amox 500' finds AMOXICILLINE BIOGARAN 500 mg and CLAMOXYL 500 mg
    (by its substance). Both steps are index range scans that stop at the limit: no sort of every match.
    """
    typed = fold(text).strip()
    words = [w for w in typed.replace(",", " ").replace("/", " ").split() if w][:6]
    words = [w for w in words if len(w) >= MIN_TERM or w.isdigit()]
    if not words:
        return []
    fields = ("pk", "cis", "name", "name_folded", "form", "marketing_status", "substances_folded", "withdrawn_at",
              "generic_type")
    alive = Drug.objects.all() if include_withdrawn else Drug.objects.filter(withdrawn_at__isnull=True)
    found = {d.pk: d for d in alive.filter(name_folded__gte=typed, name_folded__lt=_upper(typed))
             .only(*fields).order_by("name_folded")[:limit]}
    if len(found) < limit:
        ids = _term_matches(sorted(words, key=len, reverse=True), limit * 4 + len(found))
        ids = [i for i in ids if i not in found][: limit * 4]
        found.update((d.pk, d) for d in alive.filter(pk__in=ids).only(*fields).order_by())  # ranked below
    rows = sorted(found.values(), key=lambda d: _rank(d, typed))
    return rows[:limit]


def drug_detail(*, drug_id: int) -> Drug:
    return (Drug.objects.select_related("generic_group")
            .prefetch_related("compositions__substance", "presentations").get(pk=drug_id))


def prescriptions_for_patient(*, patient, limit: int = 200):
    return (Prescription.objects.filter(patient=patient).select_related("prescriber")
            .prefetch_related("lines", "prints").order_by("-issued_at", "-pk")[:limit])


def prescription_for_patient(*, patient, prescription_id) -> Prescription:
    return (Prescription.objects.select_related("prescriber", "patient", "renewal_of")
            .prefetch_related("lines__drug", "prints__printed_by").get(pk=int(prescription_id), patient=patient))


# Printing is one click after most consultations: its two requests read only what they need, compiled once.
_TO_PRINT = Prepared(lambda pk, patient_id: Prescription.objects.filter(pk=pk, patient_id=patient_id)
                     .select_related("prescriber", "patient")[:1])
_PRINT = Prepared(lambda pk, prescription_id, patient_id: PrescriptionPrint.objects.filter(
    pk=pk, prescription_id=prescription_id, prescription__patient_id=patient_id,
    prescription__deleted_at__isnull=True).select_related("prescription")[:1])
_ORIGINAL = Prepared(lambda prescription_id: PrescriptionPrint.objects.filter(
    prescription_id=prescription_id, duplicate=False).order_by("pk")[:1])


def prescription_to_print(*, patient, prescription_id) -> Prescription:
    """The prescription with its prescriber and patient (printing.py reads the lines)."""
    found = _TO_PRINT.first(pk=int(prescription_id), patient_id=patient.pk)
    if found is None:
        raise Prescription.DoesNotExist
    return found


def print_for_patient(*, patient, prescription_id, print_id) -> PrescriptionPrint:
    """One print of one of the patient's (not deleted) prescriptions, with its prescription."""
    found = _PRINT.first(pk=int(print_id), prescription_id=int(prescription_id), patient_id=patient.pk)
    if found is None:
        raise PrescriptionPrint.DoesNotExist
    return found


def original_print(prescription: Prescription) -> PrescriptionPrint | None:
    """The prescription's first print (the original), or None before it is printed."""
    return _ORIGINAL.first(prescription_id=prescription.pk)


def templates_for(*, user):
    """The user's favourites, then the practice's templates."""
    return PrescriptionTemplate.objects.filter(Q(owner=user) | Q(owner__isnull=True)).order_by("owner", "name")
