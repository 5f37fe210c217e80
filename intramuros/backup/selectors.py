"""Reads of the backup app."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from intramuros.backup.models import BackupRun
from intramuros.backup.services import FRESH_HOURS


@dataclass
class BackupStatus:
    last_verified: BackupRun | None
    last_attempt: BackupRun | None
    age: datetime.timedelta | None

    @property
    def is_fresh(self) -> bool:
        return self.age is not None and self.age <= datetime.timedelta(hours=FRESH_HOURS)


def backup_status(*, now: datetime.datetime | None = None) -> BackupStatus:
    """The last backup that was restored and checked (unverified archives do not count)."""
    now = now or timezone.now()
    last = BackupRun.objects.filter(verification=BackupRun.Verification.OK).order_by("-started_at").first()
    attempt = BackupRun.objects.order_by("-started_at", "-pk").first()
    return BackupStatus(last, attempt, (now - last.started_at) if last else None)


def backup_runs(*, limit: int = 100):
    return BackupRun.objects.select_related("requested_by").order_by("-started_at", "-pk")[:limit]
