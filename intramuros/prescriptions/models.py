"""Drug catalogue (from the public BDPM files), interaction thesaurus, prescriptions and their prints.

The catalogue is reference data refreshed by `intramuros drugs import DIR`: a drug is never deleted, only
marked withdrawn, so that every prescription that names it stays readable. A prescription, once issued,
is immutable (its lines keep a snapshot of the label and the dosage sentence as printed); every print is
kept as an encrypted PDF with its sha256.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intramuros.core.models import SoftDeleteModel, TimeStampedModel

# --------------------------------------------------------------------------------------------------- catalogue


class GenericGroup(models.Model):
    """A group of the generics register (CIS_GENER_bdpm.txt): a princeps and its substitutable generics."""

    group_id = models.CharField(_("group id"), max_length=12, unique=True)
    label = models.CharField(_("label"), max_length=500)
    label_folded = models.CharField(max_length=500, editable=False, default="")

    class Meta:
        verbose_name = _("generic group")

    def __str__(self) -> str:
        return self.label


class Drug(models.Model):
    """One speciality (CIS_bdpm.txt), identified by its CIS code."""

    class GenericType(models.IntegerChoices):
        PRINCEPS = 0, _("reference drug (princeps)")
        GENERIC = 1, _("generic")
        COMPLEMENTARY = 2, _("generic by complementary dosage")
        SUBSTITUTABLE = 4, _("substitutable generic")

    cis = models.CharField(_("CIS code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=500)
    name_folded = models.CharField(max_length=500, editable=False, default="", db_index=True)
    form = models.CharField(_("pharmaceutical form"), max_length=300, blank=True)
    routes = models.CharField(_("routes of administration"), max_length=300, blank=True)
    authorisation_status = models.CharField(_("marketing authorisation status"), max_length=100, blank=True)
    procedure = models.CharField(_("authorisation procedure"), max_length=100, blank=True)
    marketing_status = models.CharField(_("marketing status"), max_length=100, blank=True)
    authorisation_date = models.DateField(_("authorisation date"), null=True, blank=True)
    bdm_status = models.CharField(_("BDM status"), max_length=100, blank=True)
    eu_number = models.CharField(_("European authorisation number"), max_length=100, blank=True)
    holders = models.CharField(_("holders"), max_length=500, blank=True)
    reinforced_monitoring = models.BooleanField(_("reinforced monitoring"), default=False)
    generic_group = models.ForeignKey(GenericGroup, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="drugs", verbose_name=_("generic group"))
    generic_type = models.PositiveSmallIntegerField(_("generic type"), null=True, blank=True,
                                                    choices=GenericType.choices)
    prescribing_conditions = models.TextField(_("prescribing and dispensing conditions"), blank=True)
    # Folded active substances, for display and allergy matching without a join.
    substances_folded = models.CharField(max_length=1000, editable=False, default="")
    # Set when a refresh no longer lists the drug: kept for the prescriptions that name it, hidden from search.
    withdrawn_at = models.DateTimeField(_("withdrawn from the catalogue"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("drug")
        ordering = ["name_folded"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_marketed(self) -> bool:
        return self.marketing_status.lower().startswith("commercialis")


def dci_of(compositions) -> str:
    """A drug's international non-proprietary names (DCI), printed with the brand name as French law asks,
    from its compositions (with their substances): the therapeutic fraction when the file gives one
    (metformine), else the active substance."""
    comps = list(compositions)
    with_fraction = {c.link for c in comps if c.nature == Composition.Nature.FRACTION}
    names = [c.substance.name.lower() for c in comps
             if c.nature == Composition.Nature.FRACTION or c.link not in with_fraction]
    return " + ".join(dict.fromkeys(names))


class Presentation(models.Model):
    """A pack of a drug (CIS_CIP_bdpm.txt), identified by its CIP13 code."""

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="presentations")
    cip7 = models.CharField(_("CIP7 code"), max_length=7, blank=True)
    cip13 = models.CharField(_("CIP13 code"), max_length=13, unique=True)
    label = models.CharField(_("label"), max_length=500)
    status = models.CharField(_("administrative status"), max_length=100, blank=True)
    marketing_status = models.CharField(_("marketing status"), max_length=100, blank=True)
    marketing_date = models.DateField(_("marketing declaration date"), null=True, blank=True)
    collectivities = models.CharField(_("approved for collectivities"), max_length=20, blank=True)
    reimbursement_rates = models.CharField(_("reimbursement rates"), max_length=60, blank=True)
    price = models.DecimalField(_("price (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True)
    reimbursement_text = models.TextField(_("reimbursement indications"), blank=True)

    class Meta:
        verbose_name = _("presentation")

    def __str__(self) -> str:
        return self.label


class Substance(models.Model):
    """An active substance or therapeutic fraction (CIS_COMPO_bdpm.txt), by its BDPM code."""

    code = models.CharField(_("substance code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_folded = models.CharField(max_length=300, editable=False, default="", db_index=True)

    class Meta:
        verbose_name = _("substance")

    def __str__(self) -> str:
        return self.name


class Composition(models.Model):
    class Nature(models.TextChoices):
        ACTIVE = "SA", _("active substance")
        FRACTION = "FT", _("therapeutic fraction")

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="compositions")
    substance = models.ForeignKey(Substance, on_delete=models.PROTECT, related_name="compositions")
    element = models.CharField(_("pharmaceutical element"), max_length=300, blank=True)
    dosage = models.CharField(_("dosage"), max_length=300, blank=True)
    dosage_reference = models.CharField(_("dosage reference"), max_length=300, blank=True)
    nature = models.CharField(_("nature"), max_length=2, choices=Nature.choices, default=Nature.ACTIVE)
    link = models.CharField(_("SA/FT link number"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("composition")

    def __str__(self) -> str:
        return f"{self.substance_id} {self.dosage}"


class DrugTerm(models.Model):
    """One folded word of a drug's name or of its substances: the index behind the as-you-type search.

    A prefix range on `term` (term >= 'amox' AND term < 'amoy') uses the B-tree index on SQLite and
    PostgreSQL alike, where LIKE 'amox%' would not on SQLite.
    """

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=80)
    from_substance = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["term", "drug"], name="prescr_drugterm_term")]

    def __str__(self) -> str:
        return self.term


class CatalogueImport(models.Model):
    """One run of the BDPM importer, kept for the record (who, when, how many, what was skipped)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=500)
    drugs = models.PositiveIntegerField(default=0)
    presentations = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("catalogue import")

    def __str__(self) -> str:
        return f"{self.source} ({self.started_at:%Y-%m-%d})"


# ----------------------------------------------------------------------------------- interaction thesaurus


class InteractionLevel(models.TextChoices):
    CONTRAINDICATION = "ci", _("contraindication")
    NOT_RECOMMENDED = "ad", _("combination not recommended")
    PRECAUTION = "pe", _("precaution for use")
    TAKE_INTO_ACCOUNT = "apec", _("to be taken into account")


LEVEL_RANK = {"ci": 0, "ad": 1, "pe": 2, "apec": 3}


class InteractionRule(models.Model):
    """One entry of the ANSM interaction thesaurus: `main` with `plus` (substances or classes, folded)."""

    version = models.CharField(max_length=20)
    main = models.CharField(max_length=300, db_index=True)
    plus = models.CharField(max_length=300)
    main_label = models.CharField(max_length=300)
    plus_label = models.CharField(max_length=300)
    level = models.CharField(max_length=4, choices=InteractionLevel.choices)
    mechanism = models.TextField(blank=True)
    conduct = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.main_label} + {self.plus_label}"


class InteractionClassMember(models.Model):
    """A substance of the thesaurus index and one of the interaction classes it belongs to."""

    version = models.CharField(max_length=20)
    substance = models.CharField(max_length=300, db_index=True)
    drug_class = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.substance}: {self.drug_class}"


# ------------------------------------------------------------------------------------------ prescriptions


class Layout(models.TextChoices):
    STANDARD = "standard", _("standard")
    ALD = "ald", _("long-term condition (ALD, two zones)")


class PageSize(models.TextChoices):
    A4 = "A4", "A4"
    A5 = "A5", "A5"


class LineKind(models.TextChoices):
    DRUG = "drug", _("drug")
    LAB = "lab", _("laboratory tests")
    NURSING = "nursing", _("nursing care")
    PHYSIO = "physio", _("physiotherapy")
    DEVICE = "device", _("medical device")
    OTHER = "other", _("other")


class Prescription(SoftDeleteModel, TimeStampedModel):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="prescriptions",
                                verbose_name=_("patient"))
    prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescriptions",
                                   verbose_name=_("prescriber"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    layout = models.CharField(_("layout"), max_length=10, choices=Layout.choices, default=Layout.STANDARD)
    page_size = models.CharField(_("page size"), max_length=2, choices=PageSize.choices, default=PageSize.A4)
    notes = models.TextField(_("notes printed below the lines"), blank=True)
    # The safety warnings shown at signing, and the practitioner's reason for going on despite them.
    safety_warnings = models.JSONField(_("safety warnings"), default=list, blank=True)
    override_reason = models.TextField(_("reason for going on despite the warnings"), blank=True)
    renewal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewals",
                                   verbose_name=_("renewal of"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("prescription")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-issued_at"], name="prescr_patient_issued")]

    def __str__(self) -> str:
        return f"{_('Prescription')} {timezone.localtime(self.issued_at):%d/%m/%Y}"


class PrescriptionLine(models.Model):
    class Frequency(models.TextChoices):
        PER_DAY = "day", _("times a day")
        PER_WEEK = "week", _("times a week")
        EVERY_HOURS = "hours", _("every ... hours")
        AS_NEEDED = "prn", _("if needed, at most ... a day")

    class DurationUnit(models.TextChoices):
        DAYS = "days", _("days")
        WEEKS = "weeks", _("weeks")
        MONTHS = "months", _("months")

    class NonSubstitutable(models.TextChoices):
        NO = "", _("substitutable")
        NARROW = "MTE", _("MTE: narrow therapeutic margin")
        CHILD = "EFG", _("EFG: child under 6, no suitable generic form")
        CONTRA = "CIF", _("CIF: formal contraindication to an excipient")

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices, default=LineKind.DRUG)
    # PROTECT: a drug named by a prescription can never be deleted (the importer only marks it withdrawn).
    drug = models.ForeignKey(Drug, null=True, blank=True, on_delete=models.PROTECT, related_name="lines")
    label = models.CharField(_("label"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=6, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    frequency = models.CharField(_("frequency"), max_length=6, choices=Frequency.choices, blank=True)
    frequency_count = models.PositiveSmallIntegerField(_("how many"), null=True, blank=True)
    moments = models.JSONField(_("moments"), default=list, blank=True)
    duration = models.PositiveSmallIntegerField(_("duration"), null=True, blank=True)
    duration_unit = models.CharField(_("duration unit"), max_length=6, choices=DurationUnit.choices, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    renewals = models.PositiveSmallIntegerField(_("renewable"), default=0)
    non_substitutable = models.CharField(_("non-substitutable"), max_length=3, choices=NonSubstitutable.choices,
                                         blank=True, default="")
    ald = models.BooleanField(_("related to the long-term condition (ALD)"), default=False)
    # The dosage sentence as printed (French), kept so that the record reads as the paper did.
    dosage_text = models.TextField(_("dosage"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(kind="drug") | ~models.Q(label=""), name="prescr_line_label"),
        ]

    def __str__(self) -> str:
        return self.label


class PrescriptionPrint(models.Model):
    """One print of a prescription, kept exactly as printed (encrypted PDF in the document store)."""

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="prints")
    printed_at = models.DateTimeField(default=timezone.now)
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    duplicate = models.BooleanField(_("duplicate"), default=False)
    # The documents app's StoredFile id; a plain UUID (not a FK) so the catalogue does not depend on its
    # migrations, and a print is never lost with a row of another app.
    stored_file_id = models.UUIDField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["printed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.prescription_id} {self.printed_at:%Y-%m-%d %H:%M}{' (duplicate)' if self.duplicate else ''}"


class PrescriptionTemplate(TimeStampedModel):
    """A reusable set of lines: a practitioner's favourite (owner set) or a practice template (no owner)."""

    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="prescription_templates", verbose_name=_("owner"))
    items = models.JSONField(_("lines"), default=list)

    class Meta:
        verbose_name = _("prescription template")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_favourite(self) -> bool:
        return self.owner_id is not None
