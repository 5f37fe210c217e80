"""A patient's complete file, on request: a PDF of everything, the same as JSON, and the documents themselves.

The sections are found by introspection: every Intramuros model with a link to the patient contributes its
live rows, so an app added later is exported without changing this module. (FHIR comes with the interop app.)
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import uuid
import zipfile

from django.apps import apps
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit

SKIPPED_FIELDS = {"search_names", "search_phones", "deleted_by", "deleted_at"}
SKIPPED_MODELS = {"audit.auditevent", "backup.backuprun"}


def _value(obj, field):
    value = getattr(obj, field.attname)
    if value is None:
        return None
    if field.is_relation:
        related = getattr(obj, field.name, None)
        return {"id": value if isinstance(value, int | str) else str(value), "label": str(related)}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None  # binary columns (photos, signatures) are not readable in a listing
    if field.choices:
        return {"code": value, "label": str(getattr(obj, f"get_{field.name}_display")())}
    return value


def serialise(obj) -> dict:
    row = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        row[str(field.verbose_name)] = _value(obj, field)
    return row


def _stored_files(obj) -> list:
    return [getattr(obj, f.name) for f in obj._meta.concrete_fields
            if f.is_relation and f.related_model is not None and f.related_model._meta.label_lower ==
            "documents.storedfile" and getattr(obj, f.attname)]


def _candidate_models(exclude):
    for model in apps.get_models():
        if (not model.__module__.startswith("intramuros.") or model in exclude
                or model._meta.label_lower in SKIPPED_MODELS):
            continue
        if model.__name__.startswith("Historical"):
            continue  # versions are kept in the software; the export shows the file as it stands
        yield model


def _links(model, targets) -> list:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model in targets]


def patient_sections(patient) -> tuple[list[dict], list]:
    """[(title, rows)] for every part of the file, and the stored files linked to it.

    Two levels: records pointing at the patient (a consultation), then records pointing at those
    (the consultation's vital signs or prescription lines).
    """
    patient_model = type(patient)
    sections = [{"key": "patients.patient", "title": str(patient._meta.verbose_name),
                 "rows": [serialise(patient)]}]
    files: list = []
    found: dict = {}  # model -> pks of its rows in this file

    def add(model, query):
        rows = list(model._default_manager.filter(query).order_by("pk"))
        if rows:
            found[model] = [r.pk for r in rows]
            sections.append({"key": model._meta.label_lower, "title": str(model._meta.verbose_name_plural),
                             "rows": [serialise(r) for r in rows]})
            for row in rows:
                files.extend(_stored_files(row))

    ordered = sorted(_candidate_models({patient_model}), key=lambda m: m._meta.label_lower)
    for model in ordered:
        links = _links(model, {patient_model})
        if links:
            query = models.Q()
            for field in links:
                query |= models.Q(**{field.name: patient})
            add(model, query)
    first_level = dict(found)
    for model in ordered:
        links = _links(model, set(first_level))
        if model in found or not links:
            continue
        query = models.Q()
        for field in links:
            query |= models.Q(**{f"{field.name}__in": first_level[field.related_model]})
        add(model, query)
    return sections, files


def _read_document(stored) -> bytes | None:
    try:
        from intramuros.documents.storage import StoreError, read_bytes
    except ImportError:
        return None
    try:
        return read_bytes(stored)
    except StoreError:
        return None


def _pdf(patient, sections, generated_at) -> bytes:
    context = {"patient": patient, "sections": sections, "generated_at": generated_at,
               "document_title": _("Complete patient file")}
    try:
        from intramuros.documents.pdf import render_pdf
    except ImportError:
        render_pdf = None
    if render_pdf is not None:
        return render_pdf(template_name="backup/export_pdf.html", context=context)
    from weasyprint import HTML

    def refuse(url, *args, **kwargs):
        raise ValueError("the export PDF fetches nothing")

    html = render_to_string("backup/export_pdf_plain.html", context)
    return HTML(string=html, url_fetcher=refuse).write_pdf()


def patient_export(*, patient, actor, request=None) -> dict[str, bytes]:
    """Every file of the export (name -> bytes): PDF, JSON and the documents; the export is audited."""
    generated_at = timezone.now()
    sections, stored = patient_sections(patient)
    base = f"patient-{patient.pk}"
    payload = {"format": "intramuros-patient-export/1", "generated_at": generated_at.isoformat(),
               "patient_id": patient.pk, "sections": sections, "documents": []}
    out: dict[str, bytes] = {}
    for item in stored:
        data = _read_document(item)
        name = f"{base}-documents/{item.pk}-{(item.original_name or item.kind).replace('/', '_')}"
        payload["documents"].append({"id": str(item.pk), "file": name if data is not None else None,
                                     "sha256": item.sha256, "content_type": item.content_type,
                                     "name": item.original_name})
        if data is not None:
            out[name] = data
    out[f"{base}.json"] = json.dumps(payload, indent=1, ensure_ascii=False, default=str).encode()
    out[f"{base}.pdf"] = _pdf(patient, sections, generated_at)
    audit.record(actor=actor, action="backup.patient.exported", target=patient, patient=patient, request=request,
                 files=len(out))
    return out


def as_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
    return buffer.getvalue()
