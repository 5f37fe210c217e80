"""Forms of the prescription page: one small form per line (prefix "line-<uid>"), and the header."""

from __future__ import annotations

import re
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from intramuros.prescriptions.dosage import MOMENT_CHOICES, UNIT_CHOICES
from intramuros.prescriptions.models import Layout, LineKind, PageSize, PrescriptionLine

_LINE_KEY = re.compile(r"^line-([a-z0-9]{1,16})-kind$")


class LineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LineKind.choices, initial=LineKind.DRUG)
    drug = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Drug or what is prescribed"), max_length=500, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), required=False, min_value=0.01, max_digits=6,
                                  decimal_places=2, widget=forms.NumberInput(attrs={"step": "any", "class": "num"}))
    unit = forms.ChoiceField(label=_("Unit"), choices=[("", "—"), *UNIT_CHOICES], required=False)
    moments = forms.MultipleChoiceField(label=_("When"), choices=MOMENT_CHOICES, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    frequency_count = forms.IntegerField(label=_("Times"), required=False, min_value=1, max_value=24,
                                         widget=forms.NumberInput(attrs={"class": "num"}))
    frequency = forms.ChoiceField(label=_("Frequency"), choices=[("", "—"), *PrescriptionLine.Frequency.choices],
                                  required=False)
    duration = forms.IntegerField(label=_("Duration"), required=False, min_value=1, max_value=999,
                                  widget=forms.NumberInput(attrs={"class": "num"}))
    duration_unit = forms.ChoiceField(label=_("Duration unit"), choices=PrescriptionLine.DurationUnit.choices,
                                      required=False, initial="days")
    instructions = forms.CharField(label=_("Instructions"), required=False, max_length=1000)
    renewals = forms.IntegerField(label=_("Renewable (times)"), required=False, min_value=0, max_value=12,
                                  initial=0, widget=forms.NumberInput(attrs={"class": "num"}))
    non_substitutable = forms.ChoiceField(label=_("Non-substitutable"),
                                          choices=PrescriptionLine.NonSubstitutable.choices, required=False)
    ald = forms.BooleanField(label=_("ALD"), required=False,
                             help_text=_("related to the long-term condition (upper zone of the ALD form)"))

    def item(self) -> dict:
        data = dict(self.cleaned_data)
        data["quantity"] = str(data["quantity"]) if data.get("quantity") is not None else None
        if not data.get("duration"):
            data["duration_unit"] = ""
        return data


def new_uid() -> str:
    return secrets.token_hex(4)


def line_forms_from_post(data) -> list[LineForm]:
    """The line forms present in a POST, in page order (each line carries its own uid)."""
    uids = []
    for name in data:
        match = _LINE_KEY.match(name)
        if match and match.group(1) not in uids:
            uids.append(match.group(1))
    return [LineForm(data, prefix=f"line-{uid}") for uid in uids]


def line_form_for(item: dict | None = None, *, drug=None) -> LineForm:
    initial = dict(item or {})
    if drug is not None:
        initial.update(drug=drug.pk, label=drug.name, kind=LineKind.DRUG)
    initial.setdefault("duration_unit", "days")
    form = LineForm(initial=initial, prefix=f"line-{new_uid()}")
    form.drug_obj = drug
    return form


class PrescriptionForm(forms.Form):
    layout = forms.ChoiceField(label=_("Layout"), choices=Layout.choices, initial=Layout.STANDARD)
    page_size = forms.ChoiceField(label=_("Paper"), choices=PageSize.choices, initial=PageSize.A4)
    notes = forms.CharField(label=_("Notes printed below the lines"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label=_("Reason for going on despite the warnings"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the checks found something; it is kept with the prescription."))


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    practice_wide = forms.BooleanField(label=_("Practice template (for every practitioner)"), required=False)


class OverrideForm(forms.Form):
    override_reason = PrescriptionForm.base_fields["override_reason"]
