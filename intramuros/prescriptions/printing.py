"""What a printed prescription shows: the context given to the PDF template."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override as language_override

from intramuros.core.text import fold
from intramuros.prescriptions import selectors
from intramuros.prescriptions.dosage import dosage_sentence, line_mentions
from intramuros.prescriptions.models import Composition, Layout, Prescription

PAPER_LANGUAGE = "fr"


def _lines(prescription: Prescription):
    """The lines with their drugs and every composition: the DCI of all lines in one query, not one per line
    (Drug.dci reads the prefetched compositions)."""
    compositions = Prefetch("drug__compositions", queryset=Composition.objects.select_related("substance"))
    return prescription.lines.select_related("drug").prefetch_related(compositions)


def _dci(line) -> str:
    """The DCI to print beside the name, unless the name already is the DCI."""
    if line.drug_id is None:
        return ""
    dci = line.drug.dci
    return dci if dci and fold(dci.split(" + ")[0]) not in fold(line.label) else ""


def printed_lines(prescription: Prescription) -> list[dict]:
    lines = []
    with language_override(PAPER_LANGUAGE):
        for line in _lines(prescription):
            lines.append({
                "line": line,
                "label": line.label,
                "dci": _dci(line),
                "kind": line.get_kind_display() if line.kind != "drug" else "",
                "dosage": line.dosage_text,
                "mentions": line_mentions(renewals=line.renewals, non_substitutable=line.non_substitutable),
                "ald": line.ald,
            })
    return lines


def screen_lines(prescription: Prescription) -> list[dict]:
    """The lines as the screen shows them: the dosage read back in the language of the interface."""
    lines = []
    for line in _lines(prescription):
        dosage = dosage_sentence(
            quantity=line.quantity, unit=line.unit, frequency=line.frequency, frequency_count=line.frequency_count,
            moments=line.moments, duration=line.duration, duration_unit=line.duration_unit,
            instructions=line.instructions) if line.kind == "drug" else line.instructions
        lines.append({"line": line, "label": line.label, "dci": _dci(line), "kind": line.get_kind_display() if line.kind != "drug" else "",
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
