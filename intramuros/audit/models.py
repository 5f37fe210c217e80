"""The audit log: one row per access or change, each chained to the previous by a hash.

This app imports no other Intramuros app: targets and patients are kept as plain ids.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip = models.CharField(max_length=45, blank=True)
    session = models.CharField(max_length=16, blank=True, help_text="first characters of a hash of the session")
    detail = models.JSONField(default=dict, blank=True)
    flagged = models.BooleanField(default=False, db_index=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        indexes = [models.Index(fields=["actor", "at"]), models.Index(fields=["patient_id", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
