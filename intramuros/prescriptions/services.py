"""Write paths of the prescriptions app: catalogue import, issue, renew, print, templates."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override as language_override

from intramuros import audit
from intramuros.accounts.access import has_capability
from intramuros.prescriptions import clinical_bridge, importer, safety, selectors
from intramuros.prescriptions.dosage import MOMENTS, UNITS, dosage_sentence
from intramuros.prescriptions.models import (
    Drug,
    Layout,
    LineKind,
    PageSize,
    Prescription,
    PrescriptionLine,
    PrescriptionPrint,
    PrescriptionTemplate,
)

PAPER_LANGUAGE = "fr"  # a French prescription is printed in French whatever the UI language
LINE_FIELDS = ("kind", "drug", "label", "quantity", "unit", "frequency", "frequency_count", "moments", "duration",
               "duration_unit", "instructions", "renewals", "non_substitutable", "ald")


class SafetyCheckRequired(ValidationError):
    """The checks found something: the prescription is issued only with the practitioner's reason."""

    def __init__(self, findings: list[safety.Finding]):
        super().__init__(_("The safety checks found %(count)d point(s) to review: give a reason to go on, or change "
                           "the prescription.") % {"count": sum(f.blocking for f in findings)})
        self.findings = findings


# ------------------------------------------------------------------------------------------------ catalogue


def catalogue_import(*, directory: str | Path, actor=None, skip_bad_lines: bool = False,
                     progress: bool = False) -> importer.ImportResult:
    """Load or refresh the drug catalogue from a folder of BDPM files (all or nothing)."""
    result = importer.import_directory(Path(directory), skip_bad_lines=skip_bad_lines, progress=progress)
    audit.record(actor=actor or "command line", action="prescriptions.catalogue.imported", target=result.record,
                 drugs=result.drugs, presentations=result.presentations, withdrawn=result.withdrawn,
                 skipped=len(result.skipped))
    return result


# ---------------------------------------------------------------------------------------------- prescriptions


def _number(value, what: str, position: int, *, integer: bool = False, zero: bool = False):
    if value in (None, "") or (zero and str(value).strip() == "0"):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Line %(n)d: %(what)s must be a number.") % {"n": position, "what": what}) from None
    if number <= 0 or number > 10000 or (integer and number != number.to_integral_value()):
        raise ValidationError(_("Line %(n)d: %(what)s must be a positive %(type)s.")
                              % {"n": position, "what": what, "type": _("whole number") if integer else _("number")})
    return int(number) if integer else number


def _clean_line(item: dict, position: int, drugs: dict[int, Drug]) -> PrescriptionLine:
    item = {k: item.get(k) for k in LINE_FIELDS}
    kind = item["kind"] or LineKind.DRUG
    if kind not in LineKind.values:
        raise ValidationError(_("Line %(n)d: unknown kind %(kind)r.") % {"n": position, "kind": kind})
    drug = item["drug"]
    if drug is not None and not isinstance(drug, Drug):
        drug = drugs.get(int(drug))
        if drug is None:
            raise ValidationError(_("Line %(n)d: the drug is not in the catalogue.") % {"n": position})
    if drug is not None and drug.is_withdrawn:
        raise ValidationError(_("Line %(n)d: %(drug)s has been withdrawn from the catalogue: choose another drug.")
                              % {"n": position, "drug": drug.name})
    label = (item["label"] or "").strip() or (drug.name if drug else "")
    if not label:
        raise ValidationError(_("Line %(n)d is empty: choose a drug or write what is prescribed.") % {"n": position})
    if kind != LineKind.DRUG:
        drug = None
    moments = [m for m in (item["moments"] or []) if m in MOMENTS]
    unit = item["unit"] or ""
    if unit and unit not in UNITS and len(unit) > 20:
        raise ValidationError(_("Line %(n)d: the unit is too long.") % {"n": position})
    line = PrescriptionLine(
        position=position, kind=kind, drug=drug, label=label[:500],
        quantity=_number(item["quantity"], _("the quantity"), position),
        unit=unit, frequency=item["frequency"] or "", moments=moments,
        frequency_count=_number(item["frequency_count"], _("the frequency"), position, integer=True),
        duration=_number(item["duration"], _("the duration"), position, integer=True),
        duration_unit=item["duration_unit"] or "", instructions=(item["instructions"] or "").strip(),
        renewals=_number(item["renewals"], _("the number of renewals"), position, integer=True, zero=True) or 0,
        non_substitutable=(item["non_substitutable"] or "") if kind == LineKind.DRUG else "",
        ald=bool(item["ald"]))
    if line.frequency and line.frequency not in PrescriptionLine.Frequency.values:
        raise ValidationError(_("Line %(n)d: unknown frequency.") % {"n": position})
    if line.duration and line.duration_unit not in PrescriptionLine.DurationUnit.values:
        raise ValidationError(_("Line %(n)d: say whether the duration is in days, weeks or months.")
                              % {"n": position})
    if line.non_substitutable and line.non_substitutable not in PrescriptionLine.NonSubstitutable.values:
        raise ValidationError(_("Line %(n)d: the non-substitutable mention needs its reason (MTE, EFG or CIF).")
                              % {"n": position})
    if line.renewals > 12:
        raise ValidationError(_("Line %(n)d: at most 12 renewals.") % {"n": position})
    return line


def _write_dosages(lines: list[PrescriptionLine]) -> None:
    """The dosage of each line as printed, in French whatever the screen's language (one switch of language
    for all the lines: only what is issued needs it, not the safety panel refreshed at every change)."""
    with language_override(PAPER_LANGUAGE):
        for line in lines:
            line.dosage_text = dosage_sentence(
                quantity=line.quantity, unit=line.unit, frequency=line.frequency,
                frequency_count=line.frequency_count, moments=line.moments, duration=line.duration,
                duration_unit=line.duration_unit, instructions=line.instructions,
            ) if line.kind == LineKind.DRUG else line.instructions


def clean_items(items: list) -> list[PrescriptionLine]:
    """Validate the items (dicts, see LINE_FIELDS) into unsaved lines; errors name the line. Their dosage
    text is left empty: prescription_issue writes it."""
    if not items:
        raise ValidationError(_("The prescription has no line: add a drug or another line."))
    if len(items) > 40:
        raise ValidationError(_("A prescription holds at most 40 lines: split it in two."))
    ids = {int(i["drug"]) for i in items if i.get("drug") not in (None, "") and not isinstance(i["drug"], Drug)}
    # With the generic group, which the safety checks read on every line; no ORDER BY (a dict by id).
    drugs = {d.pk: d for d in Drug.objects.filter(pk__in=ids).order_by().select_related("generic_group")} \
        if ids else {}
    return [_clean_line(dict(item), n, drugs) for n, item in enumerate(items, start=1)]


def prescription_check(*, patient, items: list) -> list[safety.Finding] | None:
    """The editor's safety panel: the checks on the lines being written, or None while they do not validate
    (nothing is said about lines that are not finished yet)."""
    try:
        lines = clean_items(items) if items else []
    except ValidationError:
        lines = []
    return safety.run_checks(patient=patient, items=lines) if lines else None


def line_items(prescription: Prescription) -> list[dict]:
    """The lines of a prescription as items, to renew it or save it as a template."""
    return [{"kind": ln.kind, "drug": ln.drug_id, "label": ln.label,
             "quantity": str(ln.quantity) if ln.quantity is not None else None, "unit": ln.unit,
             "frequency": ln.frequency, "frequency_count": ln.frequency_count, "moments": list(ln.moments),
             "duration": ln.duration, "duration_unit": ln.duration_unit, "instructions": ln.instructions,
             "renewals": ln.renewals, "non_substitutable": ln.non_substitutable, "ald": ln.ald}
            for ln in prescription.lines.all()]


@transaction.atomic
def prescription_issue(*, patient, prescriber, items: list, layout: str = Layout.STANDARD,
                       page_size: str = PageSize.A4, notes: str = "", override_reason: str = "",
                       renewal_of: Prescription | None = None, update_treatments: bool = True) -> Prescription:
    """Check and issue a prescription. Raises SafetyCheckRequired (with the findings) when the checks find
    something and no reason was given; the findings and the reason are then kept on the prescription."""
    if not has_capability(prescriber, "prescriptions.write"):
        raise PermissionDenied
    if layout not in Layout.values or page_size not in PageSize.values:
        raise ValidationError(_("Unknown layout or page size."))
    lines = clean_items(items)
    _write_dosages(lines)
    if layout == Layout.ALD and not any(ln.ald for ln in lines):
        raise ValidationError(_("The ALD layout needs at least one line related to the long-term condition: tick "
                                "“ALD” on those lines, or choose the standard layout."))
    findings = safety.run_checks(patient=patient, items=lines)
    reason = (override_reason or "").strip()
    if safety.needs_reason(findings) and not reason:
        raise SafetyCheckRequired(findings)
    prescription = Prescription.objects.create(
        patient=patient, prescriber=prescriber, layout=layout, page_size=page_size, notes=notes.strip(),
        safety_warnings=[f.as_dict() for f in findings],
        override_reason=reason if safety.needs_reason(findings) else "",
        renewal_of=renewal_of)
    for line in lines:
        line.prescription = prescription
    PrescriptionLine.objects.bulk_create(lines)
    audit.record(actor=prescriber, action="prescriptions.prescription.issued", target=prescription, patient=patient,
                 lines=len(lines), warnings=len(findings), overridden=bool(safety.needs_reason(findings) and reason),
                 renewal_of=renewal_of.pk if renewal_of else None, flagged=bool(safety.needs_reason(findings) and reason))
    if update_treatments:
        clinical_bridge.record_treatments(patient=patient, prescriber=prescriber, prescription=prescription,
                                          lines=lines)
    return prescription


def prescription_renew(*, prescription: Prescription, prescriber, override_reason: str = "") -> Prescription:
    """Issue the same lines again, today, for the same patient (checks run again)."""
    return prescription_issue(patient=prescription.patient, prescriber=prescriber, items=line_items(prescription),
                              layout=prescription.layout, page_size=prescription.page_size, notes=prescription.notes,
                              override_reason=override_reason, renewal_of=prescription)


# ----------------------------------------------------------------------------------------------------- prints


def _documents():
    try:
        from intramuros.documents import pdf, storage
    except ImportError as exc:  # the documents app is a dependency: say so plainly
        raise RuntimeError("The documents app (PDF rendering and document store) is not available.") from exc
    return pdf, storage


def render_prescription_pdf(prescription: Prescription, *, duplicate: bool = False) -> bytes:
    """The prescription's PDF, all of it in the paper's language (drawn directly: see prescriptions/paper.py)."""
    from intramuros.prescriptions.paper import prescription_pdf
    from intramuros.prescriptions.printing import pdf_context

    pdf, _storage = _documents()
    with language_override(PAPER_LANGUAGE):
        return prescription_pdf(pdf.pdf_context(pdf_context(prescription, duplicate=duplicate)))


def prescription_print(*, prescription: Prescription, user) -> PrescriptionPrint:
    """Print a prescription: the first print is the original; later ones are the original's bytes stamped
    "DUPLICATA". Every print is kept, encrypted, with its sha256.

    The PDF is made and its encrypted file written before the write transaction opens: rendering takes
    tens of milliseconds, and every page view of the practice (its audit row) waits for the database's one
    writer meanwhile."""
    if not has_capability(user, "prescriptions.write"):
        raise PermissionDenied
    _pdf, storage = _documents()
    name = f"prescription-{prescription.pk}.pdf"
    original = selectors.original_print(prescription)
    data = _duplicate_of(original) if original else render_prescription_pdf(prescription)
    stored = storage.write_file(data, kind="prescription", content_type="application/pdf", original_name=name)
    with transaction.atomic():
        if original is None:
            # Another print of this prescription may have become the original while this one rendered.
            original = selectors.original_print(prescription)
            if original is not None:
                data = _duplicate_of(original)
                stored = storage.write_file(data, kind="prescription", content_type="application/pdf",
                                            original_name=name)
        duplicate = original is not None
        stored.save(force_insert=True)
        printed = PrescriptionPrint.objects.create(prescription=prescription, printed_by=user, duplicate=duplicate,
                                                   stored_file_id=stored.pk, sha256=hashlib.sha256(data).hexdigest(),
                                                   size=len(data))
        audit.record(actor=user, action="prescriptions.prescription.printed", target=prescription,
                     patient=prescription.patient_id, duplicate=duplicate, sha256=printed.sha256)
    return printed


def _duplicate_of(original: PrescriptionPrint) -> bytes:
    """The original's very bytes stamped as a duplicate (re-rendered only where the stamp is unavailable)."""
    pdf, storage = _documents()
    source = storage.read_bytes(_stored(original))
    marker = getattr(pdf, "pdf_mark_duplicate", None)
    if marker is None:
        return render_prescription_pdf(original.prescription, duplicate=True)
    with language_override(PAPER_LANGUAGE):
        label = _("DUPLICATE")
    return marker(source, label=label)


def _stored(printed: PrescriptionPrint):
    from intramuros.documents.models import StoredFile

    return StoredFile.objects.get(pk=printed.stored_file_id)


def print_bytes(*, printed: PrescriptionPrint, user) -> bytes:
    """The PDF exactly as printed (decrypted, its fingerprint checked); the read is audited."""
    if not has_capability(user, "prescriptions.write"):
        raise PermissionDenied
    _pdf, storage = _documents()
    data = storage.read_bytes(_stored(printed))
    audit.record(actor=user, action="prescriptions.print.viewed", target=printed.prescription,
                 patient=printed.prescription.patient_id, print_id=printed.pk)
    return data


# -------------------------------------------------------------------------------------------------- templates


@transaction.atomic
def prescription_template_save(*, actor, name: str, items: list, practice_wide: bool = False) -> PrescriptionTemplate:
    """Save lines as the actor's favourite, or as a practice template (administrators of the practice)."""
    if not has_capability(actor, "prescriptions.write"):
        raise PermissionDenied
    if practice_wide and not getattr(actor, "is_administrator", False):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the template a name."))
    clean_items(items)  # the same rules as a prescription: a template never holds a line that cannot be issued
    stored = [{k: (str(v) if isinstance(v, Decimal) else v.pk if isinstance(v, Drug) else v)
               for k, v in dict(item).items() if k in LINE_FIELDS} for item in items]
    template = PrescriptionTemplate.objects.create(name=name[:200], owner=None if practice_wide else actor,
                                                   items=stored)
    audit.record(actor=actor, action="prescriptions.template.saved", target=template, practice_wide=practice_wide)
    return template


@transaction.atomic
def prescription_template_delete(*, actor, template: PrescriptionTemplate) -> None:
    if template.owner_id != actor.pk and not (template.owner_id is None and actor.is_administrator):
        raise PermissionDenied
    audit.record(actor=actor, action="prescriptions.template.deleted", target=template)
    template.delete()
