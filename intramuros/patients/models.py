"""Patient identity as French practices keep it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intramuros.core.models import SoftDeleteModel, TimeStampedModel
from intramuros.core.text import fold


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other / unknown")


class Patient(SoftDeleteModel, TimeStampedModel):
    birth_name = models.CharField(_("birth name"), max_length=100)
    used_name = models.CharField(_("used name"), max_length=100, blank=True)
    first_names = models.CharField(_("first names"), max_length=150)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    birth_place = models.CharField(_("birth place"), max_length=120, blank=True)
    nir = models.CharField(_("social-security number (NIR)"), max_length=15, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone_mobile = models.CharField(_("mobile phone"), max_length=30, blank=True)
    phone_home = models.CharField(_("home phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=200, blank=True)
    notes = models.TextField(_("administrative notes"), blank=True)
    referring_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("practitioner of the practice"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="patients",
    )
    # Folded copies (no accents, lower case) kept for fast, accent-insensitive search.
    search_names = models.CharField(max_length=400, editable=False, db_index=True, default="")
    search_phones = models.CharField(max_length=100, editable=False, default="")

    history = HistoricalRecords(excluded_fields=["search_names", "search_phones"])

    class Meta:
        verbose_name = _("patient")
        ordering = ["birth_name", "first_names"]
        indexes = [models.Index(fields=["birth_date"])]

    def __str__(self) -> str:
        return f"{self.display_surname} {self.first_names}"

    @property
    def display_surname(self) -> str:
        return (self.used_name or self.birth_name).upper()

    @property
    def first_name(self) -> str:
        return self.first_names.split(" ")[0] if self.first_names else ""

    def save(self, *args, **kwargs):
        self.search_names = " ".join(fold(p) for p in (self.birth_name, self.used_name, self.first_names) if p)
        digits = ["".join(ch for ch in p if ch.isdigit()) for p in (self.phone_mobile, self.phone_home)]
        self.search_phones = " ".join(d for d in digits if d)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"search_names", "search_phones"}
        super().save(*args, **kwargs)
