"""Periodic audit work: a daily anchor of the chain's head, and a daily check of the whole chain."""

import logging

from intramuros.audit.services import anchor_now, audit_verify, record
from intramuros.core.scheduler import periodic

log = logging.getLogger("intramuros.audit")


@periodic("audit.daily_anchor", 24 * 3600)
def daily_anchor() -> None:
    anchor_now(reason="daily")


@periodic("audit.daily_verify", 24 * 3600)
def daily_verify() -> bool:
    """Check the chain; a break is logged and written as a flagged row the review screen shows."""
    report = audit_verify()
    if not report.ok:
        log.error("the audit log has been tampered with: %s", report.reason)
        record(actor=None, action="audit.chain.broken", flagged=True, reason=report.reason,
               row=report.broken_at)
    return report.ok
