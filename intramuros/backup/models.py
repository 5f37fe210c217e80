"""One row per archive written to one destination, and what its restore test found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BackupRun(models.Model):
    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        MANUAL = "manual", _("manual")
        UPGRADE = "upgrade", _("before an upgrade")

    class Verification(models.TextChoices):
        PENDING = "pending", _("not verified")
        OK = "ok", _("restored and verified")
        FAILED = "failed", _("verification failed")

    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    destination = models.CharField(_("destination"), max_length=500)
    archive_name = models.CharField(_("archive"), max_length=255, blank=True)
    size_bytes = models.BigIntegerField(_("size"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    written = models.BooleanField(_("written"), default=False)
    verification = models.CharField(_("verification"), max_length=10, choices=Verification.choices,
                                    default=Verification.PENDING)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("backup run")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.destination}/{self.archive_name}"

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.OK

    @property
    def archive_path(self) -> str:
        return f"{self.destination.rstrip('/')}/{self.archive_name}"
