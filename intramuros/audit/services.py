"""Writing and verifying the audit log.

`record()` is called explicitly by services and access gates; it appends a row whose hash
covers its content and the previous row's hash, so that any row altered, removed or inserted
afterwards breaks the chain at that point (`audit_verify`).

A chain alone does not reveal that its *tail* was cut off: whoever deletes the last rows leaves a
valid, shorter chain. So every `AUDIT_ANCHOR_EVERY` rows (and once a day, see jobs.py) the head of
the chain (seq, hash) is written down twice: as an `AuditAnchor` row, and as a line appended (and
fsync'ed) to an anchor file outside the database (DATA_DIR/audit-anchors.log). Removing the tail then
contradicts the anchors; rewriting the whole chain with fresh hashes contradicts them too.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from intramuros.audit.context import current_request, request_origin
from intramuros.audit.models import AuditAnchor, AuditEvent
from intramuros.core.prepared import Prepared, PreparedInsert

GENESIS = "0" * 64
_LOCK_ID = 7305_2026  # PostgreSQL advisory lock serialising appends to the chain
DEFAULT_ANCHOR_EVERY = 500
# The chain's head, read by every append (every page view): compiled once (see core/prepared.py).
_HEAD = Prepared(lambda: AuditEvent.objects.order_by("-seq").values_list("seq", "hash")[:1])
# The row itself, inserted without building the query again (AuditEvent.save adds only the append-only guard,
# which a new row passes).
_INSERT = PreparedInsert(AuditEvent)


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


def anchor_every() -> int:
    return int(getattr(settings, "AUDIT_ANCHOR_EVERY", DEFAULT_ANCHOR_EVERY))


def anchor_file() -> Path:
    configured = getattr(settings, "AUDIT_ANCHOR_FILE", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit-anchors.log"


def record(*, actor, action: str, target=None, patient=None, request=None, flagged: bool = False,
           **detail) -> AuditEvent:
    """Append one audit row. `patient` may be a Patient or its id; `detail` must be JSON-serialisable."""
    request = request if request is not None else current_request()
    ip, session = request_origin(request)
    patient_id = getattr(patient, "pk", patient)
    target_type, target_id = _target_fields(target)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    # Everything that does not depend on the chain's head is prepared before the write transaction: every
    # page view appends a row, and the database has one writer at a time.
    event = AuditEvent(
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
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        last = _HEAD.first()
        event.seq, event.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event.at = timezone.now()
        event.hash = compute_hash(event)
        _INSERT.insert(event)
        if event.seq % anchor_every() == 0:
            _anchor(event, reason="count")
    return event


def _append_anchor_line(line: str) -> None:
    """Append one line to the anchor file and make it durable before going on."""
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _anchor(event: AuditEvent, *, reason: str) -> AuditAnchor:
    anchor = AuditAnchor(seq=event.seq, hash=event.hash, at=timezone.now(), reason=reason)
    anchor.save()
    line = json.dumps({"seq": event.seq, "hash": event.hash, "at": anchor.at.isoformat(), "reason": reason},
                      sort_keys=True)
    # Only once the row is committed: a rolled-back row must not leave an anchor behind.
    transaction.on_commit(lambda: _append_anchor_line(line))
    return anchor


@transaction.atomic
def anchor_now(*, reason: str = "daily") -> AuditAnchor | None:
    """Anchor the current head of the chain (the daily job; also `intramuros audit anchor`)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
    head = AuditEvent.objects.order_by("-seq").first()
    if head is None or AuditAnchor.objects.filter(seq=head.seq).exists():
        return None
    return _anchor(head, reason=reason)


def read_anchor_file(path: Path | None = None) -> list[dict]:
    """The anchors of the file, in order; a line that cannot be read is reported as such."""
    path = path or anchor_file()
    if not path.exists():
        return []
    anchors = []
    for number, raw in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            anchors.append({"seq": int(item["seq"]), "hash": str(item["hash"]), "line": number})
        except (ValueError, KeyError, TypeError):
            anchors.append({"seq": None, "hash": "", "line": number})
    return anchors


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    anchors_checked: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _verify_chain(chunk: int) -> tuple[ChainReport, dict[int, str], int]:
    """Walk the chain; returns the report, the hash of each anchored seq and the last seq."""
    anchored = set(AuditAnchor.objects.values_list("seq", flat=True))
    for item in read_anchor_file():
        if item["seq"] is not None:
            anchored.add(item["seq"])
    seen: dict[int, str] = {}
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk):
        if event.seq != expected_seq:
            if event.seq < expected_seq:
                reason = f"row {event.seq} appears twice"
            else:
                reason = f"row {expected_seq} is missing before row {event.seq}"
            return ChainReport(checked, min(event.seq, expected_seq), reason), seen, expected_seq - 1
        if event.prev_hash != prev_hash:
            return (ChainReport(checked, event.seq, f"row {event.seq} does not follow row {event.seq - 1} "
                                                    "(a row was inserted or removed there)"), seen, event.seq)
        if compute_hash(event) != event.hash:
            return ChainReport(checked, event.seq, f"row {event.seq} was altered after it was written"), seen, \
                event.seq
        if event.seq in anchored:
            seen[event.seq] = event.hash
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    return ChainReport(checked), seen, expected_seq - 1


def _check_anchor(report: ChainReport, seq: int | None, hash_: str, seen: dict[int, str], last: int,
                  where: str) -> bool:
    if seq is None:
        report.broken_at, report.reason = 0, f"{where} cannot be read: the anchor file was altered"
        return False
    if seq > last:
        report.broken_at = last + 1
        report.reason = (f"rows {last + 1} to {seq} were removed: {where} records row {seq}, "
                         f"but the log ends at row {last}")
        return False
    if seen.get(seq) != hash_:
        report.broken_at = seq
        report.reason = (f"row {seq} differs from {where}: the log was rewritten up to row {seq} "
                         "(hashes recomputed after an alteration)")
        return False
    return True


def audit_verify(*, chunk: int = 5000, anchors: bool = True) -> ChainReport:
    """Walk the chain in order and compare it with the anchors (table and file).

    Names the first row that was altered, removed or inserted; `report.ok` is True when all holds.
    """
    report, seen, last = _verify_chain(chunk)
    if not report.ok or not anchors:
        return report
    for anchor in AuditAnchor.objects.order_by("seq"):
        if not _check_anchor(report, anchor.seq, anchor.hash, seen, last, f"the anchor row of row {anchor.seq}"):
            return report
        report.anchors_checked += 1
    file_anchors = read_anchor_file()
    for item in file_anchors:
        where = f"line {item['line']} of the anchor file {anchor_file()}"
        if not _check_anchor(report, item["seq"], item["hash"], seen, last, where):
            return report
        report.anchors_checked += 1
    table_seqs = set(AuditAnchor.objects.values_list("seq", flat=True))
    file_seqs = {item["seq"] for item in file_anchors}
    missing = sorted(table_seqs - file_seqs)
    if missing and file_anchors:
        report.warnings.append(f"{len(missing)} anchor(s) of the database are not in the anchor file "
                               f"(first: row {missing[0]}): was the anchor file replaced by an older copy?")
    elif missing and last:
        report.warnings.append(f"the anchor file {anchor_file()} is missing: only the database's anchors were "
                               "checked")
    return report


def anchor_file_reset(*, actor, reason: str) -> Path | None:
    """After a restore of an older backup, the anchor file records rows the restored log does not have.

    Set the old file aside (kept, renamed) and write a new one from the database's anchors. Logged.
    """
    path = anchor_file()
    kept = None
    if path.exists():
        kept = path.with_name(f"{path.name}.before-{timezone.now():%Y%m%d-%H%M%S}")
        os.replace(path, kept)
    for anchor in AuditAnchor.objects.order_by("seq"):
        _append_anchor_line(json.dumps({"seq": anchor.seq, "hash": anchor.hash, "at": anchor.at.isoformat(),
                                        "reason": anchor.reason}, sort_keys=True))
    record(actor=actor, action="audit.anchors.reset", reason=reason[:500], kept=str(kept or ""))
    return kept
