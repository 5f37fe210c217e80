"""DocumentReference <-> the patient's documents: uploaded files ("doc-N"), letters ("letter-N", their
HTML text) and printed documents ("printed-N", the exact PDF handed to the printer).

The file travels inside the resource (attachment.data, base64), read from the encrypted store; on
import it goes back into the store. FHIR's attachment.hash is a SHA-1: our SHA-256 travels in an
extension and is checked on import, so that a damaged export is refused rather than half-believed.
"""

from __future__ import annotations

import base64
import datetime
import hashlib

from django.db import models
from django.utils.dateparse import parse_datetime

from intramuros.accounts.models import Role, User
from intramuros.documents.models import Letter, LetterTemplate, PrintedDocument, UploadedDocument
from intramuros.documents.storage import read_bytes, store_bytes
from intramuros.interop.fhir.mappers.clinical_common import DELETED, patient_from
from intramuros.interop.fhir.mappers.common import always, extension, pack, patient_search, unpack
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, is_id_number, ref_id, register

SHA256 = "urn:intramuros:sha256"
DOC = "urn:intramuros:document"
CATEGORY = "urn:intramuros:document-category"
KIND = "urn:intramuros:document-kind"
LETTER_SPEC = {"template": "string", "css": "string", "page_size": "code", "printed_at": "datetime",
               "created_at": "datetime"}
PRACTITIONER_ROLES = (Role.PRACTITIONER, Role.REPLACEMENT)


def _attachment(stored, data: bytes | None = None) -> dict:
    data = read_bytes(stored) if data is None else data
    attachment = {"contentType": stored.content_type, "data": base64.b64encode(data).decode(), "size": len(data),
                  "extension": [{"url": SHA256, "valueString": stored.sha256}]}
    if stored.original_name:
        attachment["title"] = stored.original_name
    return attachment


def _bytes(data: dict) -> tuple[bytes, dict]:
    attachment = ((data.get("content") or [{}])[0]).get("attachment") or {}
    try:
        content = base64.b64decode(attachment.get("data", ""), validate=True)
    except ValueError:
        raise FhirInputError("content[0].attachment.data is not base64") from None
    expected = extension(attachment, SHA256).get("valueString")
    if not content:
        raise FhirInputError("content[0].attachment.data is empty: the file itself must be sent", status=422)
    if expected and hashlib.sha256(content).hexdigest() != expected:
        raise FhirInputError("the file does not match its SHA-256: it was altered or truncated", status=422)
    return content, attachment


def _author(user_id: int, role: str) -> list:
    # Only practitioners are exported as Practitioner; a secretary's name stays with the practice.
    return [{"reference": f"Practitioner/{user_id}"}] if role in PRACTITIONER_ROLES else []


def _user_from(data: dict) -> User:
    """The author named in the resource, else (a secretary's upload) the first user who is not a practitioner."""
    reference = ((data.get("author") or [{}])[0]).get("reference")
    if reference:
        user = User.objects.filter(pk=ref_id(reference, "Practitioner")).first()
        if user is None:
            raise FhirInputError(f"{reference} does not exist", code="not-found", status=422)
        return user
    user = User.objects.exclude(role__in=PRACTITIONER_ROLES).order_by("pk").first() or \
        User.objects.order_by("pk").first()
    if user is None:
        raise FhirInputError("the practice has no user to file the document under: create the administrator first",
                             status=422)
    return user


def _common(obj, prefix_resource, *, status: str, title: str, date, author: list, patient_id: int) -> dict:
    data = {"resourceType": "DocumentReference", "id": prefix_resource.fhir_id(obj.pk), "status": status,
            "subject": {"reference": f"Patient/{patient_id}"}, "date": date.isoformat(), "description": title}
    if author:
        data["author"] = author
    return data


def _deleted(obj, data: dict) -> dict:
    if getattr(obj, "deleted_at", None):
        data["status"] = "entered-in-error"
        data.setdefault("extension", []).append({"url": DELETED, "valueDateTime": obj.deleted_at.isoformat()})
    return data


def _when(data: dict) -> datetime.datetime:
    from django.utils import timezone

    return parse_datetime(data.get("date", "")) or timezone.now()


def _restore_deleted(obj, data: dict) -> None:
    deleted = extension(data, DELETED)
    if deleted:
        obj.deleted_at = parse_datetime(deleted.get("valueDateTime", ""))


# --- uploaded documents ---
def upload_out(d: UploadedDocument) -> dict:
    data = _common(d, UPLOADS, status="current", title=d.title, date=d.created_at,
                   author=_author(d.added_by_id, d.added_by.role), patient_id=d.patient_id)
    data.update(category=[{"coding": [{"system": CATEGORY, "code": d.category}]}],
                content=[{"attachment": _attachment(d.file)}],
                context={"period": {"start": d.document_date.isoformat()}})
    return _deleted(d, data)


def upload_in(data, *, actor, existing=None, keep_id=False):
    from intramuros.documents import services
    from intramuros.documents.uploads import UploadRefused

    category = next((c.get("code") for cat in data.get("category") or [] for c in cat.get("coding") or []
                     if c.get("system") == CATEGORY), "other")
    try:
        document_date = datetime.date.fromisoformat(((data.get("context") or {}).get("period") or {})
                                                    .get("start", "")[:10])
    except ValueError:
        raise FhirInputError("context.period.start must give the date of the document (YYYY-MM-DD)") from None
    if existing is not None:
        if not data.get("description"):
            raise FhirInputError("DocumentReference.description (the title) is required", status=422)
        return services.document_update(actor=actor, document=existing, title=data["description"],
                                        document_date=document_date, category=category)
    content, attachment = _bytes(data)
    patient, user = patient_from(data, "subject"), _user_from(data)
    if not keep_id:
        try:
            return services.document_upload(actor=user, patient=patient, data=content,
                                            name=attachment.get("title", "document"),
                                            title=data.get("description", ""), document_date=document_date,
                                            category=category)
        except UploadRefused as exc:
            raise FhirInputError(str(exc), status=422) from None
    stored = store_bytes(content, kind="upload", content_type=attachment.get("contentType", ""),
                         original_name=attachment.get("title", ""))
    document = UploadedDocument(pk=UPLOADS.pk_from(str(data["id"])), patient=patient, file=stored,
                                title=data.get("description", "")[:200], document_date=document_date,
                                category=category, added_by=user, created_at=_when(data))
    _restore_deleted(document, data)
    document.save()
    return document


# --- letters ---
def letter_out(letter: Letter) -> dict:
    template = letter.template
    fields = {"template": (template.code or f"name:{template.name}") if template else "", "css": letter.css,
              "page_size": letter.page_size, "printed_at": letter.printed_at, "created_at": letter.created_at}
    body = letter.body.encode()
    data = _common(letter, LETTERS, status="current", title=letter.title, date=letter.created_at,
                   author=_author(letter.author_id, letter.author.role), patient_id=letter.patient_id)
    data.update(docStatus="final" if letter.printed_at else "preliminary",
                type={"coding": [{"system": KIND, "code": letter.kind}]},
                content=[{"attachment": {"contentType": "text/html", "data": base64.b64encode(body).decode(),
                                         "size": len(body), "extension": [
                                             {"url": SHA256, "valueString": hashlib.sha256(body).hexdigest()}]}}],
                extension=[pack(DOC, fields, LETTER_SPEC)])
    return _deleted(letter, data)


def _template(key: str) -> LetterTemplate | None:
    if not key:
        return None
    found = LetterTemplate.all_objects.filter(**({"name": key[5:]} if key.startswith("name:") else {"code": key}))
    return found.order_by("pk").first()  # a template missing here only loses the link, never the letter


def letter_in(data, *, actor, existing=None, keep_id=False):
    if existing is not None or not keep_id:
        raise FhirInputError("letters are written in the software", code="not-supported", status=405)
    content, _attachment = _bytes(data)
    fields = unpack(data, DOC, LETTER_SPEC)
    kind = ((data.get("type") or {}).get("coding") or [{}])[0].get("code", "letter")
    letter = Letter(pk=LETTERS.pk_from(str(data["id"])), patient=patient_from(data, "subject"),
                    author=_user_from(data), template=_template(fields.pop("template", "")), kind=kind,
                    title=data.get("description", "")[:200], body=content.decode("utf-8", errors="replace"), **fields)
    _restore_deleted(letter, data)
    letter.save()
    return letter


# --- printed documents ---
def printed_out(p: PrintedDocument) -> dict:
    data = _common(p, PRINTS, status="current", title=p.title, date=p.printed_at,
                   author=_author(p.printed_by_id, p.printed_by.role), patient_id=p.patient_id)
    data.update(docStatus="final", type={"coding": [{"system": KIND, "code": p.kind}]},
                content=[{"attachment": _attachment(p.file)}])
    relates = []
    if p.letter_id:
        relates.append({"code": "transforms", "target": {"reference": f"DocumentReference/{LETTERS.fhir_id(p.letter_id)}"}})
    if p.duplicate_of_id:
        relates.append({"code": "appends", "target": {"reference": f"DocumentReference/{PRINTS.fhir_id(p.duplicate_of_id)}"}})
    if relates:
        data["relatesTo"] = relates
    return data


def printed_in(data, *, actor, existing=None, keep_id=False):
    if existing is not None or not keep_id:
        raise FhirInputError("a printed document is kept exactly as printed: it is never written through the API",
                             code="not-supported", status=405)
    content, attachment = _bytes(data)
    related = {r.get("code"): (r.get("target") or {}).get("reference", "").rpartition("/")[2]
               for r in data.get("relatesTo") or []}
    letter = Letter.all_objects.filter(pk=LETTERS.pk_from(related["transforms"]) or 0).first() \
        if "transforms" in related else None
    original = PrintedDocument.objects.filter(pk=PRINTS.pk_from(related["appends"]) or 0).first() \
        if "appends" in related else None
    if ("transforms" in related and letter is None) or ("appends" in related and original is None):
        raise FhirInputError("the printed document refers to a letter or an original print that is not in the export",
                             status=422)
    stored = store_bytes(content, kind="printed", content_type=attachment.get("contentType", ""),
                         original_name=attachment.get("title", ""))
    printed = PrintedDocument(pk=PRINTS.pk_from(str(data["id"])), patient=patient_from(data, "subject"),
                              letter=letter, kind=((data.get("type") or {}).get("coding") or [{}])[0].get("code",
                                                                                                          "letter"),
                              title=data.get("description", "")[:200], file=stored, sha256=stored.sha256,
                              duplicate_of=original, printed_by=_user_from(data),
                              printed_at=_when(data))
    # A print is written once and never changed: its own save() refuses a row that has an id already,
    # which an import (keeping the ids) must give it; this is that single first write.
    models.Model.save(printed, force_insert=True)
    return printed


# --- prescription prints (the prescriptions app keeps them in the same encrypted store) ---
def rxprint_out(p) -> dict:
    from intramuros.documents.models import StoredFile

    stored = StoredFile.objects.get(pk=p.stored_file_id)
    data = _common(p, RX_PRINTS, status="current", title=stored.original_name or "prescription", date=p.printed_at,
                   author=_author(p.printed_by_id, p.printed_by.role), patient_id=p.prescription.patient_id)
    data.update(docStatus="final", type={"coding": [{"system": KIND, "code": "prescription"}]},
                content=[{"attachment": _attachment(stored)}],
                context={"related": [{"identifier": {"system": "urn:intramuros:prescription",
                                                     "value": str(p.prescription_id)}}]},
                extension=[{"url": f"{DOC}#duplicate", "valueBoolean": p.duplicate}])
    return data


def rxprint_in(data, *, actor, existing=None, keep_id=False):
    from intramuros.prescriptions.models import Prescription, PrescriptionPrint

    if existing is not None or not keep_id:
        raise FhirInputError("a printed prescription is kept exactly as printed: it is never written through the API",
                             code="not-supported", status=405)
    content, attachment = _bytes(data)
    related = (((data.get("context") or {}).get("related") or [{}])[0].get("identifier") or {}).get("value", "")
    prescription = Prescription.all_objects.filter(pk=int(related) if is_id_number(related) else 0).first()
    if prescription is None:
        raise FhirInputError("the printed prescription refers to a prescription that is not in the export", status=422)
    stored = store_bytes(content, kind="prescription", content_type=attachment.get("contentType", ""),
                         original_name=attachment.get("title", ""))
    return PrescriptionPrint.objects.create(
        pk=RX_PRINTS.pk_from(str(data["id"])), prescription=prescription, printed_at=_when(data),
        printed_by=_user_from(data), duplicate=extension(data, f"{DOC}#duplicate").get("valueBoolean", False),
        stored_file_id=stored.pk, sha256=stored.sha256, size=stored.size)


def _rx_prints():
    from intramuros.prescriptions.models import PrescriptionPrint

    return PrescriptionPrint.objects.select_related("prescription", "printed_by").order_by("pk")


_search = {"search_params": {"patient": patient_search}, "search_doc": {"patient": "reference"}}
UPLOADS = register(ResourceType(
    name="DocumentReference", id_prefix="doc", api_write=True, foreign=always,
    queryset=lambda: UploadedDocument.all_objects.select_related("file", "added_by").order_by("pk"),
    to_fhir=upload_out, from_fhir=upload_in, patient_of=lambda d: d.patient_id, import_order=65,
    model_class=UploadedDocument, **_search))
LETTERS = register(ResourceType(
    name="DocumentReference", id_prefix="letter",
    queryset=lambda: Letter.all_objects.select_related("template", "author").order_by("pk"), to_fhir=letter_out,
    from_fhir=letter_in, patient_of=lambda d: d.patient_id, import_order=66, model_class=Letter, **_search))
PRINTS = register(ResourceType(
    name="DocumentReference", id_prefix="printed",
    queryset=lambda: PrintedDocument.objects.select_related("file", "printed_by").order_by("pk"),
    to_fhir=printed_out, from_fhir=printed_in, patient_of=lambda d: d.patient_id, import_order=67,
    model_class=PrintedDocument, **_search))
RX_PRINTS = register(ResourceType(
    name="DocumentReference", id_prefix="rxprint", queryset=_rx_prints, to_fhir=rxprint_out, from_fhir=rxprint_in,
    patient_of=lambda p: p.prescription.patient_id, import_order=68, model_class=_rx_prints().model,
    search_params={"patient": lambda qs, v: patient_search(qs, v, "prescription__patient_id")},
    search_doc={"patient": "reference"}))
