"""Lab results received from laboratories (HL7 v2 ORU^R01 or HPRIM), and the inbox they wait in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LabMessageStatus(models.TextChoices):
    TO_MATCH = "to_match", _("To be matched to a patient")
    FILED = "filed", _("Filed in the patient's record")
    REJECTED = "rejected", _("Rejected")


class LabMessage(models.Model):
    """A message exactly as received (kept raw, whatever happens), with what was understood of it."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(_("received through"), max_length=20)  # "mllp", "file:<name>", "upload"
    format = models.CharField(_("format"), max_length=10)  # "hl7v2", "hprim"
    raw = models.TextField(_("raw message"))
    sha256 = models.CharField(max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=LabMessageStatus.choices,
                              default=LabMessageStatus.TO_MATCH, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    control_id = models.CharField(_("message id"), max_length=100, blank=True)
    laboratory = models.CharField(_("laboratory"), max_length=200, blank=True)
    # Identity as the laboratory wrote it, kept to match and to show the user.
    patient_name = models.CharField(max_length=200, blank=True)
    patient_birth_date = models.DateField(null=True, blank=True)
    patient_sex = models.CharField(max_length=1, blank=True)
    patient_nir = models.CharField(max_length=15, blank=True)
    proposed_patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="lab_messages")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField(null=True, blank=True)
    parsed = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("lab message")

    def __str__(self) -> str:
        return f"{self.laboratory} {self.control_id} ({self.get_status_display()})"


class LabResult(models.Model):
    """One observation: a value with its unit, reference range and abnormal flag."""

    message = models.ForeignKey(LabMessage, on_delete=models.PROTECT, related_name="results")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="lab_results")
    code = models.CharField(_("code"), max_length=40)
    code_system = models.CharField(_("code system"), max_length=20, blank=True)  # "LN" = LOINC
    label = models.CharField(_("test"), max_length=200)
    value_text = models.CharField(_("value"), max_length=500)
    value_number = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    reference_range = models.CharField(_("reference range"), max_length=60, blank=True)
    abnormal_flag = models.CharField(_("flag"), max_length=5, blank=True)
    observed_at = models.DateTimeField(_("date"), db_index=True)

    class Meta:
        ordering = ["code", "-observed_at"]
        verbose_name = _("lab result")
        indexes = [models.Index(fields=["patient", "code", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.label}: {self.value_text} {self.unit}"

    @property
    def is_abnormal(self) -> bool:
        return self.abnormal_flag.upper() in {"H", "L", "HH", "LL", "A", "AA", "+", "-", "<", ">"}


class ApiToken(models.Model):
    """A token for the practice's own tools calling the FHIR API; only its hash is kept."""

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    can_write = models.BooleanField(_("may create and update"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return self.name
