"""Receiving lab messages, matching them to a patient, filing their results.

A message is always kept raw, whatever happens: one that does not parse is rejected with its
reason; one that parses waits in the inbox with a proposed patient until a user confirms.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime as parse_iso

from intramuros import audit
from intramuros.core.text import fold
from intramuros.interop.labs.hl7v2 import parse_oru
from intramuros.interop.labs.hprim import parse_hprim
from intramuros.interop.labs.parsed import LabParseError, ParsedMessage
from intramuros.interop.models import LabMessage, LabMessageStatus, LabResult

MAX_MESSAGE_BYTES = 2 * 1024 * 1024


class DuplicateMessage(Exception):
    def __init__(self, existing: LabMessage):
        super().__init__(f"this message was already received (#{existing.pk})")
        self.existing = existing


def detect_format(raw: str) -> str:
    head = raw.lstrip("\x0b \r\n")[:3]
    if head == "MSH":
        return "hl7v2"
    if head.startswith("H") and len(head) > 1 and not head[1].isalnum():
        return "hprim"
    raise LabParseError("unknown format: neither HL7 v2 (MSH...) nor HPRIM Santé (H|...)")


def decode(data: bytes) -> str:
    """Labs send UTF-8 or ISO-8859-1 (HPRIM is usually the latter)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def propose_patient(parsed: ParsedMessage):
    """The most likely patient: same NIR, or same name (birth or used) and birth date."""
    from intramuros.patients.models import Patient

    if parsed.nir:
        found = Patient.objects.filter(nir=parsed.nir).first()
        if found:
            return found
    if not parsed.birth_date or not parsed.last_name:
        return None
    last, first = fold(parsed.last_name), fold(parsed.first_name)
    for candidate in Patient.objects.filter(birth_date=parsed.birth_date):
        names = {fold(candidate.birth_name), fold(candidate.used_name)}
        if last in names and (not first or fold(candidate.first_names).startswith(first.split(" ")[0])):
            return candidate
    return None


@transaction.atomic
def lab_message_receive(*, raw: str, source: str) -> LabMessage:
    """Keep the message; parse it; propose a patient. Raises DuplicateMessage for a message received before."""
    if len(raw.encode()) > MAX_MESSAGE_BYTES:
        raw = raw[:MAX_MESSAGE_BYTES]
        reason = "the message is larger than 2 MB: it was cut and rejected"
    else:
        reason = ""
    digest = hashlib.sha256(raw.encode()).hexdigest()
    existing = LabMessage.objects.filter(sha256=digest).first()
    if existing:
        raise DuplicateMessage(existing)
    message = LabMessage(raw=raw, sha256=digest, source=source[:20], format="")
    try:
        if reason:
            raise LabParseError(reason)
        message.format = detect_format(raw)
        parsed = parse_oru(raw) if message.format == "hl7v2" else parse_hprim(raw)
    except LabParseError as exc:
        message.status, message.reason = LabMessageStatus.REJECTED, str(exc)
    else:
        message.parsed = parsed.to_json()
        message.control_id, message.laboratory = parsed.control_id[:100], parsed.laboratory[:200]
        message.patient_name = f"{parsed.last_name} {parsed.first_name}".strip()[:200]
        message.patient_birth_date, message.patient_sex, message.patient_nir = (
            parsed.birth_date, parsed.sex, parsed.nir)
        message.proposed_patient = propose_patient(parsed)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # the same message arriving twice at the same moment
        raise DuplicateMessage(LabMessage.objects.get(sha256=digest)) from None
    audit.record(actor="lab", action="interop.lab.received", target=message, patient=message.proposed_patient_id,
                 status=message.status, source=message.source)
    return message


def _number(text: str) -> Decimal | None:
    cleaned = text.strip().replace(",", ".")
    if cleaned.startswith(("<", ">")):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() and abs(value) < Decimal("1e10") else None


def _observed(text: str, fallback: datetime.datetime) -> datetime.datetime:
    value = parse_iso(text) if text else None
    if value is None:
        return fallback
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@transaction.atomic
def lab_message_file(*, actor, message: LabMessage, patient) -> LabMessage:
    """The user confirms the patient: the results become observations in that patient's record."""
    message = LabMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != LabMessageStatus.TO_MATCH:
        raise ValueError("only a message waiting to be matched can be filed")
    results = message.parsed.get("results", [])
    LabResult.objects.bulk_create([
        LabResult(message=message, patient=patient, code=r["code"][:40], code_system=r["code_system"][:20],
                  label=r["label"][:200], value_text=r["value"][:500], value_number=_number(r["value"]),
                  unit=r["unit"][:40], reference_range=r["reference_range"][:60],
                  abnormal_flag=r["abnormal_flag"][:5], observed_at=_observed(r["observed_at"], message.received_at))
        for r in results])
    message.status, message.patient, message.filed_by, message.filed_at = (
        LabMessageStatus.FILED, patient, actor, timezone.now())
    message.save(update_fields=["status", "patient", "filed_by", "filed_at"])
    audit.record(actor=actor, action="interop.lab.filed", target=message, patient=patient, results=len(results))
    return message


@transaction.atomic
def lab_message_reject(*, actor, message: LabMessage, reason: str) -> LabMessage:
    message.status, message.reason = LabMessageStatus.REJECTED, reason.strip()[:2000] or "rejected by the user"
    message.save(update_fields=["status", "reason"])
    audit.record(actor=actor, action="interop.lab.rejected", target=message)
    return message
