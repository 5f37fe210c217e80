"""Internal messages ("transmissions") between the practice's users, and simple tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intramuros.core.models import TimeStampedModel


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Message(TimeStampedModel):
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sent_messages",
                               verbose_name=_("sender"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=20000)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="messages", verbose_name=_("about the patient"))
    # Replies keep the first message of the conversation as their thread.
    thread = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Delivery", related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("message")

    def __str__(self) -> str:
        return self.subject

    @property
    def thread_root(self) -> Message:
        return self.thread or self


class Delivery(models.Model):
    """One recipient's copy of a message: read or not."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deliveries")
    read_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "recipient"], name="one_delivery_per_recipient")]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} -> {self.recipient_id}"


class Task(TimeStampedModel):
    title = models.CharField(_("task"), max_length=200)
    detail = models.TextField(_("detail"), blank=True, max_length=5000)
    patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="tasks", verbose_name=_("about the patient"))
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks",
                                    verbose_name=_("assigned to"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")

    class Meta:
        ordering = ["done_at", "due_date", "-created_at"]
        verbose_name = _("task")
        indexes = [models.Index(fields=["assigned_to", "done_at"])]

    def __str__(self) -> str:
        return self.title


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingMail(TimeStampedModel):
    """A document sent by e-mail through the practice's own mail server, with the server's answer."""

    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="outgoing_mails")
    correspondent = models.ForeignKey("patients.Correspondent", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    to_address = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=20000, blank=True)
    printed_documents = models.ManyToManyField("documents.PrintedDocument", blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    server_answer = models.TextField(_("answer of the mail server"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sent e-mail")

    def __str__(self) -> str:
        return f"{self.subject} -> {self.to_address}"


class CaptureLink(models.Model):
    """A short-lived link, shown as a QR code, through which a phone adds photos to one patient's file."""

    token_hash = models.CharField(max_length=64, unique=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    photos = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"capture {self.pk} for patient {self.patient_id}"


class Tablet(models.Model):
    """A signature tablet registered by an administrator; it knows itself by a secret cookie."""

    name = models.CharField(_("name"), max_length=100)
    pairing_hash = models.CharField(max_length=64, blank=True)
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    paired_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("signature tablet")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.paired_at is not None


class SignatureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the signature")
    SIGNED = "signed", _("Signed")
    CANCELLED = "cancelled", _("Cancelled")


class SignatureRequest(models.Model):
    tablet = models.ForeignKey(Tablet, on_delete=models.PROTECT, related_name="requests")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey("documents.PrintedDocument", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=SignatureStatus.choices, default=SignatureStatus.PENDING)
    signer_name = models.CharField(_("signed by"), max_length=150, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_document = models.ForeignKey("documents.PrintedDocument", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tablet", "status"])]

    def __str__(self) -> str:
        return f"signature {self.pk} ({self.status})"
