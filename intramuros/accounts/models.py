"""Users of the practice, each with one role."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PRACTITIONER = "practitioner", _("Practitioner")
    REPLACEMENT = "replacement", _("Replacement practitioner")
    SECRETARY = "secretary", _("Secretary")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SECRETARY)
    # A practitioner who owns the practice administers it too.
    is_practice_admin = models.BooleanField(_("administers the practice"), default=False)
    title = models.CharField(_("title"), max_length=20, blank=True, help_text=_("e.g. Dr"))
    specialty = models.CharField(_("specialty"), max_length=120, blank=True)
    rpps = models.CharField(_("RPPS number"), max_length=11, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    otp_required = models.BooleanField(_("two-factor login required"), default=False)
    color = models.CharField(_("agenda colour"), max_length=7, default="#2b6cb0")

    class Meta:
        verbose_name = _("user")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip() or self.username
        return f"{self.title} {name}".strip() if self.title else name

    @property
    def is_practitioner(self) -> bool:
        return self.role in (Role.PRACTITIONER, Role.REPLACEMENT)

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN or self.is_practice_admin
