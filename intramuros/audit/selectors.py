"""Reading the audit log: filtered lists and the unusual-access flags of the review screen.

Flags, computed when the log is read (so they can be tuned without rewriting history):
- `burst`: the user opened at least BURST_PATIENTS different patient files within BURST_MINUTES;
- `night`: the access happened outside working hours (before DAY_START or from DAY_END, local time);
- `same_surname`: the patient bears the user's surname (noted by the patient access gate when reading);
- `no_care_relation`: a practitioner read a medical file with no appointment nor consultation with them;
- `break_glass`: a file opened after giving a reason (flagged rows).
"""

from __future__ import annotations

import datetime
from collections import Counter, deque
from dataclasses import dataclass

from django.utils import timezone

from intramuros.audit.models import AuditEvent

BURST_PATIENTS = 15
BURST_MINUTES = 10
DAY_START = datetime.time(7, 0)
DAY_END = datetime.time(21, 0)
BURST_SCAN_LIMIT = 50_000
READ_SUFFIX = ".viewed"
SEARCH_ACTION = "patients.search"


def events(*, actor=None, patient_id: int | None = None, action: str = "", since: datetime.date | None = None,
           until: datetime.date | None = None, flagged_only: bool = False, searched: str = ""):
    qs = AuditEvent.objects.select_related("actor").order_by("-seq")
    if searched:  # the patient searches whose typed text contains it (stored as typed, cut to 80 characters)
        qs = qs.filter(action=SEARCH_ACTION, detail__query__icontains=searched)
    if actor is not None:
        qs = qs.filter(actor=actor)
    if patient_id is not None:
        qs = qs.filter(patient_id=patient_id)
    if action:
        qs = qs.filter(action__startswith=action)
    tz = timezone.get_current_timezone()
    if since:
        qs = qs.filter(at__gte=datetime.datetime.combine(since, datetime.time.min, tzinfo=tz))
    if until:
        qs = qs.filter(at__lt=datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min,
                                                        tzinfo=tz))
    if flagged_only:
        qs = qs.filter(flagged=True)
    return qs


def is_night(at: datetime.datetime) -> bool:
    local = timezone.localtime(at).time()
    return local < DAY_START or local >= DAY_END


@dataclass
class Burst:
    actor_id: int
    actor_label: str
    start: datetime.datetime
    end: datetime.datetime
    patients: int


def find_bursts(qs, *, patients: int = BURST_PATIENTS, minutes: int = BURST_MINUTES) -> tuple[list[Burst], set[int]]:
    """Sliding window per user over file reads: returns the bursts and the ids of the rows inside them."""
    window = datetime.timedelta(minutes=minutes)
    reads = (qs.filter(action__endswith=READ_SUFFIX, patient_id__isnull=False, actor__isnull=False)
             .order_by("actor_id", "at").values_list("id", "actor_id", "actor_label", "at", "patient_id"))
    bursts: list[Burst] = []
    in_burst: set[int] = set()
    current_actor, recent, counts, open_burst = None, deque(), Counter(), None
    for row_id, actor_id, label, at, patient_id in reads[:BURST_SCAN_LIMIT].iterator():
        if actor_id != current_actor:
            current_actor, recent, counts, open_burst = actor_id, deque(), Counter(), None
        recent.append((row_id, at, patient_id))
        counts[patient_id] += 1
        while recent and at - recent[0][1] > window:
            _, _, old = recent.popleft()
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
        if len(counts) >= patients:
            in_burst.update(r[0] for r in recent)
            if open_burst is not None and recent[0][1] <= open_burst.end:
                open_burst.end, open_burst.patients = at, max(open_burst.patients, len(counts))
            else:
                open_burst = Burst(actor_id, label, recent[0][1], at, len(counts))
                bursts.append(open_burst)
    return bursts, in_burst


def row_flags(event: AuditEvent, burst_rows: set[int]) -> list[str]:
    flags = []
    alerts = event.detail.get("alerts", []) if isinstance(event.detail, dict) else []
    if event.id in burst_rows:
        flags.append("burst")
    if event.actor_id and is_night(event.at):
        flags.append("night")
    for alert in ("same_surname", "no_care_relation"):
        if alert in alerts:
            flags.append(alert)
    if "break_glass" in alerts or event.action == "patients.break_glass.granted":
        flags.append("break_glass")
    if event.flagged and not flags:
        flags.append("flagged")
    return flags


def patient_accesses(patient_id: int):
    """Every row naming the patient, oldest first: the "who accessed my file" report."""
    return AuditEvent.objects.filter(patient_id=patient_id).select_related("actor").order_by("seq")
