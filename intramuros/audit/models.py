"""The audit log: one row per access or change, each chained to the previous by a hash.

This app imports no other Intramuros app: targets and patients are kept as plain ids.
Rows can be added, never changed nor deleted through the ORM; periodic anchors (a row here and a
line in an append-only file outside the database) make the removal of the log's tail detectable.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit row through the ORM."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("audit rows cannot be changed")

    def delete(self):
        raise AuditLogIsAppendOnly("audit rows cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly("audit rows cannot be changed")

    _raw_delete = delete


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(db_index=True, editable=False)
    # Every page view inserts a row, and every index is one more B-tree to update (and, encrypted, pages to
    # seal): actor and patient are served by the (actor, at) and (patient_id, at) indexes below, the
    # flagged rows by a partial index that holds only them; action has none (migration 0004 says why).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    session = models.CharField(max_length=16, blank=True, help_text="first characters of a hash of the session")
    detail = models.JSONField(default=dict, blank=True)
    flagged = models.BooleanField(default=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        indexes = [models.Index(fields=["actor", "at"]), models.Index(fields=["patient_id", "at"]),
                   models.Index(fields=["seq"], condition=models.Q(flagged=True), name="audit_flagged_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        # Only the first insert is allowed: an existing row is never rewritten.
        if not self._state.adding or kwargs.get("update_fields") is not None:
            raise AuditLogIsAppendOnly("audit rows cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit rows cannot be deleted")


class AuditAnchor(models.Model):
    """A copy of the chain's head at one moment: (seq, hash), also appended to the anchor file."""

    seq = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    reason = models.CharField(max_length=20, default="count")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit anchor")

    def __str__(self) -> str:
        return f"anchor #{self.seq}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("audit anchors cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit anchors cannot be deleted")


def validate_networks(value: str) -> None:
    for line in value.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            ipaddress.ip_network(line, strict=False)
        except ValueError:
            raise ValidationError(
                _("%(net)s is not a network: write one per line, such as 192.168.1.0/24."), params={"net": line}
            ) from None


class SecurityPolicy(models.Model):
    """The practice's network rules and the lockdown switch: there is at most one row (pk=1)."""

    local_networks = models.TextField(
        _("local networks of the practice"), blank=True, validators=[validate_networks],
        help_text=_("One network per line (e.g. 192.168.1.0/24), added to those of the server's settings. "
                    "Logins from any other address need two-factor login."),
    )
    forbid_remote = models.BooleanField(
        _("forbid access from outside the local networks"), default=False,
        help_text=_("Refuse every connection coming from outside the networks above, even with two-factor login."),
    )
    lockdown = models.BooleanField(_("lockdown"), default=False, editable=False)
    lockdown_at = models.DateTimeField(null=True, blank=True, editable=False)
    lockdown_by = models.CharField(max_length=150, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("security policy")

    def __str__(self) -> str:
        return "security policy"

    @classmethod
    def current(cls) -> SecurityPolicy:
        policy = cls.objects.filter(pk=1).first()
        return policy if policy is not None else cls(pk=1)

    @classmethod
    def cached(cls) -> SecurityPolicy:
        """The policy for reading on every request (shared by threads: never modify it)."""
        from intramuros.core import rowcache

        return rowcache.get("security_policy", cls.current)

    def network_list(self) -> list[str]:
        out = []
        for line in self.local_networks.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
        return out
