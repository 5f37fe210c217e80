"""Forms of the medical record, the consultation, and the configurable forms built from their schema."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import localize
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from intramuros.clinical import formschema, formvalues, vitals
from intramuros.clinical.models import (
    Allergy,
    Antecedent,
    Consultation,
    FormDefinition,
    Problem,
    RiskFactor,
    Treatment,
    Vaccination,
)

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class Icd10Input(forms.TextInput):
    """A code box with search as you type (htmx): picking a result fills the box (clinical.js)."""

    template_name = "clinical/widgets/icd10.html"

    def __init__(self, *, multiple: bool = False, label_target: str = "", attrs=None):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.multiple, self.label_target = multiple, label_target

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(search_url=reverse_lazy("clinical:icd10_search"), multiple=self.multiple,
                                 label_target=self.label_target)
        return context


def plausible_date(value: datetime.date | None) -> None:
    if value and not (datetime.date(1900, 1, 1) <= value <= timezone.localdate() + datetime.timedelta(days=3650)):
        raise ValidationError(_("%(date)s is not a plausible date: check the year."),
                              params={"date": value.strftime("%d/%m/%Y")}, code="implausible")


class RecordItemForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.validators.append(plausible_date)
            if isinstance(field, forms.DecimalField | forms.IntegerField):  # accept "12,5" as French users type
                field.localize = True
                field.widget = forms.TextInput(attrs={"inputmode": "decimal", "size": 6})
                field.widget.is_localized = True


class AntecedentForm(RecordItemForm):
    class Meta:
        model = Antecedent
        fields = ["category", "label", "icd10", "year", "relative", "lifestyle", "pack_years",
                  "alcohol_units_per_week", "note"]
        widgets = {"icd10": Icd10Input(label_target="id_label"), "note": forms.Textarea(attrs={"rows": 2})}

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year and not 1900 <= year <= timezone.localdate().year:
            raise ValidationError(_("%(year)s is not a possible year: enter a year between 1900 and today."),
                                  params={"year": year})
        return year

    def clean(self):
        data = super().clean()
        if data.get("pack_years") is not None and data.get("lifestyle") != Antecedent.Lifestyle.TOBACCO:
            self.add_error("pack_years", _("Pack-years apply to tobacco: choose the habit “Tobacco” or clear them."))
        if data.get("alcohol_units_per_week") is not None and data.get("lifestyle") != Antecedent.Lifestyle.ALCOHOL:
            self.add_error("alcohol_units_per_week",
                           _("Units per week apply to alcohol: choose the habit “Alcohol” or clear them."))
        return data


class AllergyForm(RecordItemForm):
    class Meta:
        model = Allergy
        fields = ["kind", "substance", "reaction", "severity", "certainty", "noted_on", "note"]
        widgets = {"noted_on": DATE_WIDGET["widget"], "note": forms.Textarea(attrs={"rows": 2})}


class TreatmentForm(RecordItemForm):
    class Meta:
        model = Treatment
        fields = ["drug", "dosage", "kind", "start", "end", "note"]
        widgets = {"start": DATE_WIDGET["widget"], "end": DATE_WIDGET["widget"],
                   "note": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date is before the start date: correct one of them."))
        return data


class ProblemForm(RecordItemForm):
    class Meta:
        model = Problem
        fields = ["label", "icd10", "status", "since", "note"]
        widgets = {"icd10": Icd10Input(label_target="id_label"), "since": DATE_WIDGET["widget"],
                   "note": forms.Textarea(attrs={"rows": 2})}


class VaccinationForm(RecordItemForm):
    class Meta:
        model = Vaccination
        fields = ["vaccine", "given_on", "dose", "batch", "note"]
        widgets = {"given_on": DATE_WIDGET["widget"], "note": forms.Textarea(attrs={"rows": 2})}


class RiskFactorForm(RecordItemForm):
    class Meta:
        model = RiskFactor
        fields = ["label", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


ITEM_FORMS = {
    "antecedent": AntecedentForm, "allergy": AllergyForm, "treatment": TreatmentForm, "problem": ProblemForm,
    "vaccination": VaccinationForm, "riskfactor": RiskFactorForm,
}


def _vital_field(name: str) -> forms.Field:
    model_field = Consultation._meta.get_field(name)
    r = vitals.RANGES[name]
    kind = forms.DecimalField if isinstance(model_field, models.DecimalField) else forms.IntegerField
    return kind(label=capfirst(model_field.verbose_name), required=False, localize=True,
                validators=[vitals.RangeValidator(name)],
                help_text=_("%(low)s to %(high)s %(unit)s") % {"low": localize(r.low), "high": localize(r.high),
                                                                "unit": r.unit},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}))


class ConsultationForm(forms.ModelForm):
    at = forms.DateTimeField(label=_("Date"), input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    diagnoses = forms.CharField(
        label=_("Diagnoses (ICD-10)"), required=False,
        help_text=_("Search by code or by words; several codes are separated by commas."),
        widget=Icd10Input(multiple=True))

    class Meta:
        model = Consultation
        fields = ["at", "reason", "history_notes", "examination", "conclusion", *vitals.RANGES]
        widgets = {n: forms.Textarea(attrs={"rows": 3}) for n in ("history_notes", "examination", "conclusion")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in vitals.RANGES:
            self.fields[name] = _vital_field(name)
        if self.instance.pk:
            self.initial.setdefault("diagnoses", ", ".join(d.code for d in self.instance.diagnoses.all()))
        self.initial.setdefault("at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at > timezone.now() + datetime.timedelta(days=1) or at.year < 1900:
            raise ValidationError(_("A consultation cannot be dated %(date)s: check the date."),
                                  params={"date": timezone.localtime(at).strftime("%d/%m/%Y")})
        return at

    def clean(self):
        data = super().clean()
        for name in vitals.RANGES:  # rounded to what the record keeps (e.g. 72.346 kg -> 72.35 kg)
            value, model_field = data.get(name), Consultation._meta.get_field(name)
            if isinstance(value, Decimal):
                data[name] = value.quantize(Decimal(1).scaleb(-model_field.decimal_places), ROUND_HALF_UP)
        systolic, diastolic = data.get("systolic_mmhg"), data.get("diastolic_mmhg")
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self.add_error("diastolic_mmhg", _("The diastolic pressure must be lower than the systolic pressure: "
                                               "check both values."))
        elif (systolic is None) != (diastolic is None) and not self.has_error("systolic_mmhg") \
                and not self.has_error("diastolic_mmhg"):
            missing = "diastolic_mmhg" if diastolic is None else "systolic_mmhg"
            self.add_error(missing, _("Enter both the systolic and the diastolic pressure."))
        return data

    def model_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def diagnosis_codes(self) -> list[str]:
        return [c.strip().upper() for c in self.cleaned_data.get("diagnoses", "").split(",") if c.strip()]


class FormChoiceForm(forms.Form):
    form = forms.ModelChoiceField(label=_("Form"), required=False, queryset=FormDefinition.objects.none(),
                                  empty_label=_("no form"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = FormDefinition.objects.filter(active=True).order_by("title")


# Configurable forms ---------------------------------------------------------------------------------------

def _number_validator(field: dict):
    low, high, unit = field.get("min"), field.get("max"), formschema.localized(field, "unit")

    def check(value):
        if value is None:
            return
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValidationError(_("%(value)s %(unit)s is out of range: enter a value between %(low)g and "
                                    "%(high)g %(unit)s.")
                                  % {"value": f"{value:g}", "unit": unit, "low": low if low is not None else 0,
                                     "high": high if high is not None else float("inf")}, code="out_of_range")
    return check


def _yes_no(value):
    return value == "yes"


def schema_field(field: dict) -> forms.Field:
    """The Django form field of one schema field (computed fields have none: they are not typed in)."""
    label, help_text = formschema.localized(field, "label"), formschema.localized(field, "help")
    unit = formschema.localized(field, "unit")
    if unit:
        label = f"{label} ({unit})"
    common = {"label": label, "help_text": help_text, "required": field["required"]}
    ftype = field["type"]
    if ftype == "text":
        return forms.CharField(max_length=500, **common)
    if ftype == "longtext":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": field.get("lines", 4)}), **common)
    if ftype == "number":
        return forms.FloatField(localize=True, validators=[_number_validator(field)],
                                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}), **common)
    if ftype == "date":
        return forms.DateField(validators=[plausible_date], input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                               **DATE_WIDGET, **common)
    options = [(o["value"], formschema.localized(o, "label")) for o in field.get("options", [])]
    if ftype == "choice":
        return forms.ChoiceField(choices=[("", "—"), *options], **common)
    if ftype == "multichoice":
        return forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple, **common)
    if ftype == "yesno":
        return forms.TypedChoiceField(choices=[("", "—"), ("yes", _("yes")), ("no", _("no"))], coerce=_yes_no,
                                      empty_value=None, **common)
    raise ValueError(ftype)


class SchemaForm(forms.Form):
    """A configurable form bound to one version's schema; `typed_values()` gives what is stored."""

    def __init__(self, *args, schema: dict, stored: dict | None = None, **kwargs):
        kwargs.setdefault("prefix", "form")
        stored = stored or {}
        initial = {}
        for key, value in stored.items():
            initial[key] = ("yes" if value else "no") if isinstance(value, bool) else value
        super().__init__(*args, initial=initial, **kwargs)
        self.schema, self.stored = schema, stored
        for field in schema["fields"]:
            if field["type"] != "computed":
                self.fields[field["key"]] = schema_field(field)

    def typed_values(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if not formvalues.is_empty(value)}

    def layout_rows(self) -> list[list[dict]]:
        by_key = {f["key"]: f for f in self.schema["fields"]}
        rows = []
        for row in self.schema["layout"]:
            cells = []
            for key in row:
                field = by_key[key]
                if field["type"] == "computed":
                    cells.append({"computed": True, "label": formschema.localized(field, "label"),
                                  "value": formvalues.display(field, self.stored.get(key))})
                else:
                    cells.append({"computed": False, "bound": self[key]})
            rows.append(cells)
        return rows


class FormSourceForm(forms.Form):
    """The admin page of a configurable form: paste or upload its YAML."""

    source = forms.CharField(label=_("YAML"), required=False, widget=forms.Textarea(attrs={"rows": 24,
                                                                                           "spellcheck": "false"}))
    upload = forms.FileField(label=_("or upload a .yaml file"), required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload:
            if upload.size > 256 * 1024:
                raise ValidationError(_("This file is larger than 256 KB: a form file is a few KB."))
            try:
                data["source"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(_("The file is not UTF-8 text: save it as UTF-8 and upload it again.")) \
                    from None
        if not (data.get("source") or "").strip():
            raise ValidationError(_("Paste the YAML of the form, or upload a .yaml file."))
        return data
