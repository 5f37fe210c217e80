"""The medical record: antecedents, allergies, treatments, problems, vaccinations, risk factors,
consultations with vitals and diagnoses, and the configurable forms with their typed values.

Every record keeps its versions (django-simple-history) and is deleted by a flag (SoftDeleteModel):
nothing clinical is ever lost.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intramuros.clinical import vitals
from intramuros.core.models import SoftDeleteModel, TimeStampedModel


class Icd10Code(models.Model):
    """One ICD-10 code (category or subcategory) with its English (WHO) and French (ATIH CIM-10) labels."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    label_en = models.CharField(_("English label"), max_length=400, blank=True)
    label_fr = models.CharField(_("French label"), max_length=400, blank=True)
    # Folded (lower case, no accents) copy of both labels and the code, for accent-insensitive search.
    search_text = models.CharField(max_length=900, editable=False, default="")

    class Meta:
        verbose_name = _("ICD-10 code")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        if (get_language() or "fr").startswith("fr") and self.label_fr:
            return self.label_fr
        return self.label_en or self.label_fr


class ClinicalItem(SoftDeleteModel, TimeStampedModel):
    """What every item of the record has: its patient, who wrote it, and a free note."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", editable=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True


class Antecedent(ClinicalItem):
    class Category(models.TextChoices):
        MEDICAL = "medical", _("Medical")
        SURGICAL = "surgical", _("Surgical")
        FAMILY = "family", _("Family")
        OBSTETRIC = "obstetric", _("Obstetric")
        LIFESTYLE = "lifestyle", _("Lifestyle")
        OCCUPATION = "occupation", _("Occupation")

    class Lifestyle(models.TextChoices):
        TOBACCO = "tobacco", _("Tobacco")
        ALCOHOL = "alcohol", _("Alcohol")
        OTHER = "other", _("Other")

    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    label = models.CharField(_("description"), max_length=300)
    icd10 = models.CharField(_("ICD-10 code"), max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    relative = models.CharField(_("relative"), max_length=80, blank=True, help_text=_("For a family antecedent."))
    lifestyle = models.CharField(_("habit"), max_length=10, choices=Lifestyle.choices, blank=True)
    pack_years = models.DecimalField(_("pack-years"), max_digits=5, decimal_places=1, null=True, blank=True)
    alcohol_units_per_week = models.PositiveSmallIntegerField(_("alcohol units per week"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("antecedent")
        ordering = ["category", "-year", "label"]
        indexes = [models.Index(fields=["patient", "category"])]

    def __str__(self) -> str:
        return self.label


class Allergy(ClinicalItem):
    class Kind(models.TextChoices):
        ALLERGY = "allergy", _("Allergy")
        INTOLERANCE = "intolerance", _("Intolerance")

    class Severity(models.TextChoices):
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")
        LIFE_THREATENING = "life_threatening", _("Life-threatening")

    class Certainty(models.TextChoices):
        SUSPECTED = "suspected", _("Suspected")
        LIKELY = "likely", _("Likely")
        CONFIRMED = "confirmed", _("Confirmed")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ALLERGY)
    substance = models.CharField(_("substance"), max_length=200)
    reaction = models.CharField(_("reaction"), max_length=300, blank=True)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.MODERATE)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices,
                                 default=Certainty.SUSPECTED)
    noted_on = models.DateField(_("noted on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("allergy or intolerance")
        verbose_name_plural = _("allergies and intolerances")
        ordering = ["substance"]
        indexes = [models.Index(fields=["patient"])]

    def __str__(self) -> str:
        return self.substance

    @property
    def is_serious(self) -> bool:
        return self.severity in (self.Severity.SEVERE, self.Severity.LIFE_THREATENING)


class Treatment(ClinicalItem):
    class Kind(models.TextChoices):
        CHRONIC = "chronic", _("Chronic")
        SHORT_TERM = "short_term", _("Short-term")

    drug = models.CharField(_("drug"), max_length=300)
    dosage = models.CharField(_("dosage"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.CHRONIC)
    start = models.DateField(_("start"), default=timezone.localdate)
    end = models.DateField(_("end"), null=True, blank=True)
    prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("prescriber"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # Where the line comes from: typed in the record, or added by a prescription (its app and id).
    source = models.CharField(_("source"), max_length=40, blank=True, editable=False)
    source_ref = models.CharField(max_length=40, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("treatment")
        ordering = ["kind", "drug"]
        indexes = [models.Index(fields=["patient", "end"])]

    def __str__(self) -> str:
        return self.drug

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start <= on and (self.end is None or self.end >= on)


class Problem(ClinicalItem):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RESOLVED = "resolved", _("Resolved")

    label = models.CharField(_("problem"), max_length=300)
    icd10 = models.CharField(_("ICD-10 code"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    since = models.DateField(_("since"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem")
        ordering = ["status", "label"]
        indexes = [models.Index(fields=["patient"])]

    def __str__(self) -> str:
        return self.label


class Vaccination(ClinicalItem):
    vaccine = models.CharField(_("vaccine"), max_length=200)
    given_on = models.DateField(_("given on"))
    dose = models.CharField(_("dose"), max_length=40, blank=True, help_text=_("e.g. 1st injection, booster"))
    batch = models.CharField(_("batch number"), max_length=60, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vaccination")
        ordering = ["-given_on"]
        indexes = [models.Index(fields=["patient"])]

    def __str__(self) -> str:
        return self.vaccine


class RiskFactor(ClinicalItem):
    label = models.CharField(_("risk factor"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("risk factor")
        ordering = ["label"]
        indexes = [models.Index(fields=["patient"])]

    def __str__(self) -> str:
        return self.label


class FormDefinition(TimeStampedModel):
    """A configurable form (per specialty); its fields live in its versions."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_fr = models.CharField(_("French title"), max_length=200, blank=True)
    specialty = models.CharField(_("specialty"), max_length=120, blank=True)
    active = models.BooleanField(_("offered for new consultations"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("form")
        ordering = ["title"]

    def __str__(self) -> str:
        if (get_language() or "fr").startswith("fr") and self.title_fr:
            return self.title_fr
        return self.title

    @property
    def current_version(self) -> FormVersion | None:
        return self.versions.order_by("-number").first()


class FormVersion(models.Model):
    """One version of a form, frozen: values entered with it are always read with it."""

    definition = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    schema = models.JSONField(_("parsed schema"))
    source = models.TextField(_("YAML source"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("form version")
        ordering = ["definition", "-number"]
        constraints = [models.UniqueConstraint(fields=["definition", "number"], name="clinical_formversion_unique")]

    def __str__(self) -> str:
        return f"{self.definition} v{self.number}"


class Consultation(SoftDeleteModel, TimeStampedModel):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("practitioner"),
                                     on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("date"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    history_notes = models.TextField(_("history"), blank=True)
    examination = models.TextField(_("examination"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    form_version = models.ForeignKey(FormVersion, verbose_name=_("form"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # Vitals: units and plausible ranges in clinical/vitals.py (validators refuse impossible values).
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                    validators=vitals.validators("weight_kg"))
    height_cm = models.DecimalField(_("height (cm)"), max_digits=4, decimal_places=1, null=True, blank=True,
                                    validators=vitals.validators("height_cm"))
    systolic_mmhg = models.PositiveSmallIntegerField(_("systolic BP (mmHg)"), null=True, blank=True,
                                                     validators=vitals.validators("systolic_mmhg"))
    diastolic_mmhg = models.PositiveSmallIntegerField(_("diastolic BP (mmHg)"), null=True, blank=True,
                                                      validators=vitals.validators("diastolic_mmhg"))
    heart_rate_bpm = models.PositiveSmallIntegerField(_("heart rate (bpm)"), null=True, blank=True,
                                                      validators=vitals.validators("heart_rate_bpm"))
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True,
                                        blank=True, validators=vitals.validators("temperature_c"))
    spo2_pct = models.PositiveSmallIntegerField(_("SpO2 (%)"), null=True, blank=True,
                                                validators=vitals.validators("spo2_pct"))
    glycaemia_g_l = models.DecimalField(_("glycaemia (g/L)"), max_digits=4, decimal_places=2, null=True,
                                        blank=True, validators=vitals.validators("glycaemia_g_l"))
    head_circumference_cm = models.DecimalField(_("head circumference (cm)"), max_digits=4, decimal_places=1,
                                                null=True, blank=True,
                                                validators=vitals.validators("head_circumference_cm"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consultation")
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "at"])]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%d/%m/%Y} {self.reason}".strip()

    @property
    def bmi(self):
        return vitals.bmi(self.weight_kg, self.height_cm)

    @property
    def has_vitals(self) -> bool:
        return any(getattr(self, name) is not None for name in vitals.RANGES)


class Diagnosis(SoftDeleteModel):
    """An ICD-10 coded diagnosis made at a consultation."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="diagnoses")
    code = models.CharField(_("ICD-10 code"), max_length=10)
    label = models.CharField(_("label"), max_length=400)
    rank = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        ordering = ["rank", "code"]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class FormValue(SoftDeleteModel):
    """One typed value of a configurable form, tied to the form version it was entered with."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="form_values")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=60)
    value_number = models.FloatField(null=True, blank=True)
    value_text = models.TextField(blank=True)
    value_date = models.DateField(null=True, blank=True)
    value_bool = models.BooleanField(null=True, blank=True)
    value_json = models.JSONField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("form value")
        indexes = [models.Index(fields=["patient", "key"]), models.Index(fields=["version", "key"])]
        constraints = [models.UniqueConstraint(fields=["consultation", "key"], name="clinical_formvalue_unique")]

    def __str__(self) -> str:
        return f"{self.key}={self.value!r}"

    @property
    def value(self):
        for column in ("value_number", "value_date", "value_bool", "value_json"):
            if getattr(self, column) is not None:
                return getattr(self, column)
        return self.value_text
