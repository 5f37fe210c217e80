"""Documents: the encrypted file store, letterheads, letter templates, letters, printed and uploaded documents."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intramuros.core.models import SoftDeleteModel, TimeStampedModel


class StoredFile(models.Model):
    """One encrypted file in the document store (see storage.py); immutable once written."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    path = models.CharField(_("path"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("stored file")

    def __str__(self) -> str:
        return f"{self.kind}/{self.pk}"


class Letterhead(models.Model):
    """What heads every PDF: one for the practice (practitioner empty), optionally one per practitioner.

    A practitioner's letterhead overrides the practice's fields it fills in; blank fields fall back.
    """

    practitioner = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="letterhead",
        verbose_name=_("practitioner"), help_text=_("Leave empty for the practice's letterhead."),
    )
    name = models.CharField(_("practice name"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    extra = models.TextField(_("other lines under the name"), blank=True,
                             help_text=_("e.g. consultation hours, convention sector, diplomas."))
    footer = models.TextField(_("footer"), blank=True)
    logo = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("logo"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("letterhead")

    def __str__(self) -> str:
        return str(self.practitioner) if self.practitioner_id else (self.name or str(_("Practice letterhead")))


class PageSize(models.TextChoices):
    A4 = "A4", "A4"
    A5 = "A5", "A5"


class TemplateKind(models.TextChoices):
    LETTER = "letter", _("Letter")
    CERTIFICATE = "certificate", _("Certificate")
    SICK_NOTE = "sick_note", _("Sick note")
    OTHER = "other", _("Other")


class LetterTemplate(SoftDeleteModel, TimeStampedModel):
    """A letter or certificate model written by the practice in HTML, with {{ placeholders }}."""

    code = models.SlugField(_("code"), max_length=60, blank=True,
                            help_text=_("Set on the templates shipped with Intramuros."))
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=TemplateKind.choices, default=TemplateKind.LETTER)
    title = models.CharField(_("document title"), max_length=200, blank=True,
                             help_text=_("Title of the letters made from it; placeholders allowed."))
    body = models.TextField(_("body (HTML with placeholders)"))
    css = models.TextField(_("extra CSS for the PDF"), blank=True)
    page_size = models.CharField(_("page size"), max_length=2, choices=PageSize.choices, default=PageSize.A4)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letter template")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Letter(SoftDeleteModel, TimeStampedModel):
    """A letter for a patient, made from a template and edited; frozen once printed."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="letters",
                                verbose_name=_("patient"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    template = models.ForeignKey(LetterTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="letters", verbose_name=_("template"))
    kind = models.CharField(_("kind"), max_length=20, choices=TemplateKind.choices, default=TemplateKind.LETTER)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    css = models.TextField(_("extra CSS for the PDF"), blank=True)
    page_size = models.CharField(_("page size"), max_length=2, choices=PageSize.choices, default=PageSize.A4)
    printed_at = models.DateTimeField(_("printed"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letter")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_printed(self) -> bool:
        return self.printed_at is not None


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("A printed document can never be changed."))

    def delete(self):
        raise ValidationError(_("A printed document can never be deleted."))


class PrintedDocument(models.Model):
    """Exactly what was printed (PDF kept encrypted, sha256): written once, never changed or deleted."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="printed_documents",
                                verbose_name=_("patient"))
    letter = models.ForeignKey(Letter, null=True, blank=True, on_delete=models.PROTECT, related_name="prints",
                               verbose_name=_("letter"))
    kind = models.CharField(_("kind"), max_length=20, default="letter")
    title = models.CharField(_("title"), max_length=200)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+", verbose_name=_("file"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="duplicates", verbose_name=_("duplicate of"))
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("printed by"))
    printed_at = models.DateTimeField(_("printed"), default=timezone.now, editable=False)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("printed document")
        ordering = ["-printed_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise ValidationError(_("A printed document can never be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A printed document can never be deleted."))


class DocumentCategory(models.TextChoices):
    SCAN = "scan", _("Scan")
    LAB = "lab", _("Lab result")
    IMAGING = "imaging", _("Imaging report")
    LETTER = "letter", _("Letter received")
    HOSPITAL = "hospital", _("Hospital report")
    ADMINISTRATIVE = "administrative", _("Administrative")
    OTHER = "other", _("Other")


class UploadedDocument(SoftDeleteModel, TimeStampedModel):
    """A file received for a patient (upload or drop folder), kept encrypted in the store."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="documents",
                                verbose_name=_("patient"))
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+", verbose_name=_("file"))
    title = models.CharField(_("title"), max_length=200)
    document_date = models.DateField(_("date of the document"))
    category = models.CharField(_("category"), max_length=20, choices=DocumentCategory.choices,
                                default=DocumentCategory.SCAN)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("added by"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document")
        ordering = ["-document_date", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_image(self) -> bool:
        return self.file.content_type.startswith("image/")


class InboxItem(SoftDeleteModel):
    """A file picked up from the drop folder, waiting to be filed into a patient's record."""

    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+", verbose_name=_("file"))
    original_name = models.CharField(_("file name"), max_length=255)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    filed_as = models.OneToOneField(UploadedDocument, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="inbox_item", verbose_name=_("filed as"))
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("filed by"))

    class Meta:
        verbose_name = _("unfiled document")
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
