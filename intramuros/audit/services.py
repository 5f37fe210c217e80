"""Writing and verifying the audit log.

`record()` is called explicitly by services and access gates; it appends a row whose hash
covers its content and the previous row's hash, so that any row altered, removed or inserted
afterwards breaks the chain at that point (`audit_verify`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from intramuros.audit.context import current_request, request_origin
from intramuros.audit.models import AuditEvent

GENESIS = "0" * 64
_LOCK_ID = 7305_2026  # PostgreSQL advisory lock serialising appends to the chain


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "patient": event.patient_id,
        "ip": event.ip,
        "session": event.session,
        "detail": event.detail,
        "flagged": event.flagged,
        "prev": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _target_fields(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    meta = getattr(target, "_meta", None)
    label = meta.label_lower if meta else type(target).__name__.lower()
    return label, str(getattr(target, "pk", target))


def record(*, actor, action: str, target=None, patient=None, request=None, flagged: bool = False,
           **detail) -> AuditEvent:
    """Append one audit row. `patient` may be a Patient or its id; `detail` must be JSON-serialisable."""
    request = request if request is not None else current_request()
    ip, session = request_origin(request)
    patient_id = getattr(patient, "pk", patient)
    target_type, target_id = _target_fields(target)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event = AuditEvent(
            seq=seq,
            at=timezone.now(),
            actor=actor if is_user else None,
            actor_label=(actor.get_username() if is_user else str(actor or "system"))[:150],
            action=action,
            target_type=target_type,
            target_id=target_id,
            patient_id=patient_id,
            ip=ip,
            session=session,
            detail=json.loads(json.dumps(detail, default=str)),
            flagged=flagged,
            prev_hash=prev,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify(*, chunk: int = 5000) -> ChainReport:
    """Walk the chain in order; name the first row that was altered, removed or inserted."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk):
        if event.seq != expected_seq:
            return ChainReport(checked, event.seq, f"row {expected_seq} is missing before row {event.seq}")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, f"row {event.seq} does not follow row {event.seq - 1}")
        if compute_hash(event) != event.hash:
            return ChainReport(checked, event.seq, f"row {event.seq} was altered after it was written")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    return ChainReport(checked)
