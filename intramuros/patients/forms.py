"""Forms of identity, photo, correspondents and merges. Validation lives in the model and the services;
these forms present it field by field."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intramuros.accounts.models import Role
from intramuros.patients.models import Correspondent, CorrespondentRole, Patient
from intramuros.patients.services import CORRESPONDENT_FIELDS, IDENTITY_FIELDS
from intramuros.patients.validators import normalise_nir, normalise_phone

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d%m%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"]


class FrenchDateField(forms.DateField):
    default_error_messages = {
        "invalid": _("This date does not exist or is not written as dd/mm/yyyy (e.g. 14/03/1975)."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": _("dd/mm/yyyy"),
                                                                             "inputmode": "numeric"}))
        super().__init__(**kwargs)


class PhoneCleaningMixin:
    phone_fields: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for name in self.phone_fields:
            if cleaned.get(name):
                try:
                    cleaned[name] = normalise_phone(cleaned[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned


class PatientForm(PhoneCleaningMixin, forms.ModelForm):
    phone_fields = ("phone_mobile", "phone_home", "emergency_phone")

    class Meta:
        model = Patient
        fields = IDENTITY_FIELDS
        field_classes = {"birth_date": FrenchDateField}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True, role__in=[Role.PRACTITIONER, Role.REPLACEMENT])
        self.fields["referring_practitioner"].queryset = users
        self.fields["nir"].widget.attrs.update({"inputmode": "text", "autocomplete": "off",
                                                "placeholder": "1 23 45 67 890 123 45"})
        self.fields["nir"].max_length = None  # typed with spaces; normalised to 15 characters below
        self.fields["nir"].validators = []
        self.fields["nir"].widget.attrs.pop("maxlength", None)
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean_nir(self):
        value = normalise_nir(self.cleaned_data.get("nir", ""))
        if len(value) > 20:
            raise ValidationError(_("A social-security number has 15 characters."))
        return value

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in IDENTITY_FIELDS}


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("photo"), required=False, help_text=_("JPEG, PNG or WebP, up to 2 MB."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))


class CorrespondentForm(PhoneCleaningMixin, forms.ModelForm):
    phone_fields = ("phone",)

    class Meta:
        model = Correspondent
        fields = CORRESPONDENT_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean_rpps(self):
        return (self.cleaned_data.get("rpps") or "").replace(" ", "")

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in CORRESPONDENT_FIELDS}


class LinkForm(forms.Form):
    correspondent = forms.ModelChoiceField(label=_("correspondent"), queryset=Correspondent.objects.all())
    role = forms.ChoiceField(label=_("role"), choices=CorrespondentRole.choices)
    comment = forms.CharField(label=_("comment"), max_length=200, required=False)


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200,
                             help_text=_("Why this file is deleted (kept in the audit log)."))


class MergeForm(forms.Form):
    keep = forms.IntegerField(widget=forms.HiddenInput)
    absorb = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason"), max_length=300,
                             help_text=_("Why these two files are the same person, e.g. same carte Vitale."))
