"""What a printed prescription shows: the context given to the PDF template."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override as language_override

from intramuros.core.prepared import Prepared
from intramuros.core.text import fold
from intramuros.prescriptions import selectors
from intramuros.prescriptions.dosage import dosage_sentence, line_mentions
from intramuros.prescriptions.models import Composition, Layout, Prescription, PrescriptionLine, dci_of

PAPER_LANGUAGE = "fr"


# The lines with their drugs, and the compositions of those drugs for their DCI: two queries per prescription,
# compiled once (core/prepared.py; building them and the prefetch cost 3.5 ms of CPU of each print).
_LINES = Prepared(lambda prescription_id: PrescriptionLine.objects.filter(prescription_id=prescription_id)
                  .select_related("drug").order_by("position", "pk"))
_COMPOSITIONS = Prepared(lambda prescription_id: Composition.objects.filter(
    drug__lines__prescription_id=prescription_id).select_related("substance").order_by("pk"))


def _lines(prescription: Prescription) -> list[tuple[PrescriptionLine, str]]:
    """Each line with the DCI to print beside its name (none when the name already is the DCI)."""
    by_drug: dict[int, dict] = defaultdict(dict)
    for composition in _COMPOSITIONS.list(prescription_id=prescription.pk):
        by_drug[composition.drug_id][composition.pk] = composition  # a drug on two lines comes twice
    lines = []
    for line in _LINES.list(prescription_id=prescription.pk):
        line.prescription = prescription
        dci = dci_of(by_drug[line.drug_id].values()) if line.drug_id is not None else ""
        lines.append((line, dci if dci and fold(dci.split(" + ")[0]) not in fold(line.label) else ""))
    return lines


def printed_lines(prescription: Prescription) -> list[dict]:
    lines = []
    with language_override(PAPER_LANGUAGE):
        for line, dci in _lines(prescription):
            lines.append({
                "line": line,
                "label": line.label,
                "dci": dci,
                "kind": line.get_kind_display() if line.kind != "drug" else "",
                "dosage": line.dosage_text,
                "mentions": line_mentions(renewals=line.renewals, non_substitutable=line.non_substitutable),
                "ald": line.ald,
            })
    return lines


def screen_lines(prescription: Prescription) -> list[dict]:
    """The lines as the screen shows them: the dosage read back in the language of the interface."""
    lines = []
    for line, dci in _lines(prescription):
        dosage = dosage_sentence(
            quantity=line.quantity, unit=line.unit, frequency=line.frequency, frequency_count=line.frequency_count,
            moments=line.moments, duration=line.duration, duration_unit=line.duration_unit,
            instructions=line.instructions) if line.kind == "drug" else line.instructions
        lines.append({"line": line, "label": line.label, "dci": dci, "kind": line.get_kind_display() if line.kind != "drug" else "",
                      "dosage": dosage, "ald": line.ald,
                      "mentions": line_mentions(renewals=line.renewals, non_substitutable=line.non_substitutable)})
    return lines


def pdf_context(prescription: Prescription, *, duplicate: bool = False) -> dict:
    lines = printed_lines(prescription)
    ald = prescription.layout == Layout.ALD
    first = selectors.original_print(prescription) if duplicate else None
    with language_override(PAPER_LANGUAGE):
        title = _("Prescription")
    return {
        "prescription": prescription,
        "patient": prescription.patient,
        "practitioner": prescription.prescriber,
        "page_size": prescription.page_size,
        "duplicate": duplicate,
        "original_printed_at": timezone.localtime(first.printed_at) if first else None,
        "document_title": f"{title} {prescription.patient}",
        "issued_on": timezone.localtime(prescription.issued_at).date(),
        "ald": ald,
        "lines": lines,
        "ald_lines": [ln for ln in lines if ln["ald"]] if ald else [],
        "other_lines": [ln for ln in lines if not ln["ald"]] if ald else lines,
    }
