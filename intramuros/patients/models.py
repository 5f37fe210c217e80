"""Patient identity as French practices keep it, the correspondents directory and merges."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intramuros.core.models import SoftDeleteModel, TimeStampedModel
from intramuros.core.text import fold
from intramuros.patients.validators import (
    phone_digits,
    validate_birth_date,
    validate_name,
    validate_nir,
    validate_printable,
    validate_rpps,
    validate_single_line,
)

_LINE = [validate_printable, validate_single_line]


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other / unknown")


# Folded search columns, excluded from the history (they are derived from the identity).
SEARCH_COLUMNS = ["search_names", "search_first", "search_used", "search_first_used", "search_phones",
                  "search_phone_home", "search_birth"]
# The name columns, in the order the search walks them (patients/selectors.py).
NAME_COLUMNS = ("search_names", "search_used", "search_first", "search_first_used")


def search_columns(*, birth_name: str, used_name: str, first_names: str, phone_mobile: str, phone_home: str,
                   birth_date) -> dict[str, str]:
    """The folded copies searched by `patient_search`; also used by bulk loaders that bypass save()."""
    birth, used, first = fold(birth_name), fold(used_name), fold(first_names)
    return {
        # Each name column starts with what one may type first, followed by the first names (or the
        # surname), so that 'dupont', 'dupont j', 'jean dup' and 'durand jeanne' are all index prefixes.
        "search_names": " ".join(p for p in (birth, first, used) if p),
        "search_used": f"{used} {first}" if used else "",
        "search_first": " ".join(p for p in (first, birth) if p),
        "search_first_used": f"{first} {used}" if used else "",
        "search_phones": " ".join(d for d in (phone_digits(phone_mobile), phone_digits(phone_home)) if d),
        "search_phone_home": phone_digits(phone_home),
        "search_birth": birth_date.strftime("%d%m%Y") if birth_date else "",
    }


class Patient(SoftDeleteModel, TimeStampedModel):
    birth_name = models.CharField(_("birth name"), max_length=100, validators=[validate_name])
    used_name = models.CharField(_("used name"), max_length=100, blank=True, validators=[validate_name],
                                 help_text=_("Married or usual name, if different from the birth name."))
    first_names = models.CharField(_("first names"), max_length=150, validators=[validate_name])
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), validators=[validate_birth_date])
    birth_place = models.CharField(_("birth place"), max_length=120, blank=True, validators=_LINE)
    nir = models.CharField(_("social-security number (NIR)"), max_length=15, blank=True, db_index=True,
                           validators=[validate_nir])
    address = models.CharField(_("address"), max_length=200, blank=True, validators=_LINE)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True, validators=_LINE)
    city = models.CharField(_("city"), max_length=100, blank=True, validators=_LINE)
    phone_mobile = models.CharField(_("mobile phone"), max_length=30, blank=True)
    phone_home = models.CharField(_("home phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=200, blank=True, validators=_LINE,
                                         help_text=_("Name and relationship, e.g. Paul Martin (husband)."))
    emergency_phone = models.CharField(_("emergency contact phone"), max_length=30, blank=True)
    notes = models.TextField(_("administrative notes"), blank=True,
                             validators=[validate_printable, MaxLengthValidator(5000)])
    referring_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("practitioner of the practice"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="patients",
    )
    # The photo (re-encoded to a small JPEG) lives in the encrypted document store: `photo_file` is the id of
    # its documents.StoredFile (a plain id, not a foreign key: patients does not depend on documents). Old
    # photos stay in the store, so the history keeps them. `photo` holds the bytes only on installations
    # without the document store.
    photo_file = models.UUIDField(null=True, blank=True, editable=False)
    photo = models.BinaryField(null=True, blank=True, editable=False)
    photo_updated_at = models.DateTimeField(_("photo changed"), null=True, blank=True, editable=False)
    # Set on the absorbed file of a merge (which is soft-deleted, never removed). Hidden reverse relation,
    # so merges do not try to re-point it.
    merged_into = models.ForeignKey("self", null=True, blank=True, editable=False, on_delete=models.PROTECT,
                                    related_name="+")

    # Folded copies (no accents, lower case) kept for fast, accent-insensitive prefix search. The name
    # columns are indexed by the covering indexes of Meta.
    search_names = models.CharField(max_length=400, editable=False, default="")
    search_first = models.CharField(max_length=260, editable=False, default="")
    search_used = models.CharField(max_length=260, editable=False, default="")
    search_first_used = models.CharField(max_length=260, editable=False, default="")
    search_phones = models.CharField(max_length=100, editable=False, db_index=True, default="")
    search_phone_home = models.CharField(max_length=30, editable=False, db_index=True, default="")
    search_birth = models.CharField(max_length=8, editable=False, db_index=True, default="")

    history = HistoricalRecords(excluded_fields=SEARCH_COLUMNS + ["photo"])

    class Meta:
        verbose_name = _("patient")
        ordering = ["birth_name", "first_names"]
        indexes = [models.Index(fields=["birth_date"]), models.Index(fields=["updated_at"])] + [
            # Covering indexes of the name search (patients/selectors.py): a typed prefix's first matches and
            # their update times, by which they are ranked, read without a patient row. On the embedded
            # database every page read costs a decryption, and after another connection's commit every page
            # is read again. PostgreSQL's prefix range (core.byteorder) is served by the pattern operator class;
            # its index holds the id too (SQLite's holds the rowid anyway; `include` is PostgreSQL's only).
            models.Index(fields=[column, "deleted_at", "updated_at"],
                         name=f"patient_{column.removeprefix('search_')}_cover",
                         opclasses=["varchar_pattern_ops", "timestamptz_ops", "timestamptz_ops"], include=["id"])
            for column in NAME_COLUMNS]

    def __str__(self) -> str:
        return f"{self.display_surname} {self.first_names}"

    @property
    def display_surname(self) -> str:
        return (self.used_name or self.birth_name).upper()

    @property
    def first_name(self) -> str:
        return self.first_names.split(" ")[0] if self.first_names else ""

    def refresh_search_columns(self) -> None:
        for name, value in search_columns(
            birth_name=self.birth_name, used_name=self.used_name, first_names=self.first_names,
            phone_mobile=self.phone_mobile, phone_home=self.phone_home, birth_date=self.birth_date,
        ).items():
            setattr(self, name, value)

    def save(self, *args, **kwargs):
        self.refresh_search_columns()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | set(SEARCH_COLUMNS)
        super().save(*args, **kwargs)


class Correspondent(SoftDeleteModel, TimeStampedModel):
    """Another health professional the practice writes to: treating physician, specialists..."""

    title = models.CharField(_("title"), max_length=20, blank=True, help_text=_("e.g. Dr"), validators=_LINE)
    last_name = models.CharField(_("last name"), max_length=100, validators=[validate_name])
    first_name = models.CharField(_("first name"), max_length=100, blank=True, validators=[validate_name])
    specialty = models.CharField(_("specialty"), max_length=120, blank=True, validators=_LINE)
    rpps = models.CharField(_("RPPS number"), max_length=11, blank=True, validators=[validate_rpps],
                            help_text=_("11 digits, from the directory of health professionals."))
    address = models.CharField(_("address"), max_length=200, blank=True, validators=_LINE)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True, validators=_LINE)
    city = models.CharField(_("city"), max_length=100, blank=True, validators=_LINE)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    mssante_email = models.EmailField(_("secure e-mail (MSSanté)"), blank=True,
                                      help_text=_("The health secure messaging address, for medical letters."))
    email = models.EmailField(_("other e-mail"), blank=True)
    preferred_email = models.CharField(
        _("preferred e-mail"), max_length=10, default="mssante",
        choices=[("mssante", _("secure e-mail (MSSanté)")), ("email", _("other e-mail"))],
    )
    notes = models.TextField(_("notes"), blank=True, validators=[validate_printable, MaxLengthValidator(2000)])
    search_name = models.CharField(max_length=250, editable=False, db_index=True, default="")

    history = HistoricalRecords(excluded_fields=["search_name"])

    class Meta:
        verbose_name = _("correspondent")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["rpps"], condition=models.Q(deleted_at__isnull=True) & ~models.Q(rpps=""),
                                    name="correspondent_unique_rpps"),
        ]

    def __str__(self) -> str:
        name = f"{self.last_name.upper()} {self.first_name}".strip()
        parts = [f"{self.title} {name}".strip() if self.title else name]
        if self.specialty:
            parts.append(self.specialty)
        return ", ".join(parts)

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{self.title} {name}".strip() if self.title else name

    @property
    def best_email(self) -> str:
        """The address letters should go to: the preferred one when filled, else the other."""
        first, second = ((self.mssante_email, self.email) if self.preferred_email == "mssante"
                         else (self.email, self.mssante_email))
        return first or second

    def save(self, *args, **kwargs):
        self.search_name = " ".join(fold(p) for p in (self.last_name, self.first_name, self.specialty) if p)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"search_name"}
        super().save(*args, **kwargs)


class CorrespondentRole(models.TextChoices):
    TREATING = "treating", _("treating physician (médecin traitant)")
    SPECIALIST = "specialist", _("specialist")
    PHYSICIAN = "physician", _("other physician")
    PARAMEDICAL = "paramedical", _("paramedical (nurse, physiotherapist...)")
    PHARMACIST = "pharmacist", _("pharmacist")
    OTHER = "other", _("other")


class PatientCorrespondent(SoftDeleteModel, TimeStampedModel):
    """A correspondent linked to a patient, with the role they play for that patient."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="correspondent_links")
    correspondent = models.ForeignKey(Correspondent, on_delete=models.PROTECT, related_name="patient_links")
    role = models.CharField(_("role"), max_length=20, choices=CorrespondentRole.choices)
    comment = models.CharField(_("comment"), max_length=200, blank=True, validators=_LINE)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("patient's correspondent")
        ordering = ["role", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.correspondent}"


class PatientMerge(models.Model):
    """Two files of one person merged: what was moved, so that it can be moved back."""

    keep = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    absorbed = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    # [[model label, pk, field name], ...] of every row re-pointed from `absorbed` to `keep`.
    moved = models.JSONField(default=list)
    # Rows that could not be moved (a one-per-patient record already present on `keep`): left on `absorbed`.
    left = models.JSONField(default=list)
    merged_at = models.DateTimeField(default=timezone.now, editable=False)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = _("merge of patient files")
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.absorbed_id} -> {self.keep_id} ({self.merged_at:%Y-%m-%d})"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class TagColor(models.TextChoices):
    BLUE = "blue", _("Blue")
    GREEN = "green", _("Green")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")
    PURPLE = "purple", _("Purple")
    GREY = "grey", _("Grey")


class Tag(models.Model):
    """A coloured label put on patients ("diabetic follow-up", "research study") to find them again."""

    name = models.CharField(_("name"), max_length=60, unique=True, validators=_LINE)
    color = models.CharField(_("colour"), max_length=10, choices=TagColor.choices, default=TagColor.BLUE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")

    def __str__(self) -> str:
        return self.name


class PatientTag(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="patient_links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "tag"], name="patients_tag_once")]
        indexes = [models.Index(fields=["tag", "patient"])]

    def __str__(self) -> str:
        return f"{self.tag} on {self.patient_id}"
