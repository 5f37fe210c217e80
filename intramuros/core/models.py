"""Base models shared by every app, and the practice itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AliveManager(models.Manager):
    """Hides records flagged as deleted: nothing clinical is ever really deleted."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeleteModel(models.Model):
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )

    objects = AliveManager()
    all_objects = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self, *, by) -> None:
        self.deleted_at = timezone.now()
        self.deleted_by = by
        self.save(update_fields=["deleted_at", "deleted_by"])

    def restore(self) -> None:
        self.deleted_at = None
        self.deleted_by = None
        self.save(update_fields=["deleted_at", "deleted_by"])


class Practice(models.Model):
    """The practice this installation belongs to: there is exactly one row."""

    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    finess = models.CharField(_("FINESS number"), max_length=9, blank=True)
    require_2fa = models.BooleanField(_("two-factor login required for everyone"), default=False)
    restrict_to_own_patients = models.BooleanField(
        _("practitioners see only their own patients (others after giving a reason)"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("practice")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Practice | None:
        return cls.objects.order_by("pk").first()

    @classmethod
    def cached(cls) -> Practice | None:
        """The practice row for reading on every request (shared by threads: never modify it)."""
        from intramuros.core import rowcache

        return rowcache.get("practice", cls.current)
