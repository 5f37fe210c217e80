from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intramuros.billing.amounts import parse_amount
from intramuros.billing.fees import LineInput
from intramuros.billing.models import Act, InvoiceTemplate, Method, Payer, ThirdParty
from intramuros.billing.selectors import practitioners


class AmountField(forms.CharField):
    """Amounts typed as 26,50 or 26.50, read as Decimal by parse_amount (never float)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        return parse_amount(value, allow_zero=self.allow_zero)


class PaymentFields(forms.Form):
    payer = forms.ChoiceField(label=_("Paid by"), choices=Payer.choices, initial=Payer.PATIENT)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    amount = AmountField(label=_("Amount (€)"))
    cheque_number = forms.CharField(label=_("Cheque number"), max_length=30, required=False)
    bank = forms.CharField(label=_("Bank"), max_length=80, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=80, required=False,
                                help_text=_("Transfer or card slip reference, if any."))

    def clean(self):
        data = super().clean()
        if data.get("method") == Method.CHEQUE and not (data.get("cheque_number") and data.get("bank")):
            raise ValidationError(_("For a cheque, write down its number and the bank."))
        return data

    def payment_kwargs(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("payer", "method", "amount", "cheque_number", "bank", "reference")}


class InvoiceForm(forms.Form):
    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=None)
    date = forms.DateField(label=_("Date of care"), widget=forms.DateInput(attrs={"type": "date"}))
    template = forms.ModelChoiceField(label=_("Invoice template"), queryset=InvoiceTemplate.objects.all(),
                                      required=False)
    codes = forms.CharField(label=_("Act codes"), max_length=200, required=False,
                            help_text=_("Codes joined by +, e.g. G+MEG; 2*G for twice the same act."))
    free_label = forms.CharField(label=_("Free act"), max_length=200, required=False)
    free_amount = AmountField(label=_("Free act amount (€)"), required=False)
    third_party = forms.ChoiceField(label=_("Third-party payer (tiers payant)"), choices=ThirdParty.choices,
                                    required=False)
    third_party_share = AmountField(label=_("Amount expected from the third-party payer (€)"), required=False,
                                    allow_zero=True)
    pay_method = forms.ChoiceField(label=_("Paid now by the patient, method"),
                                   choices=[("", "—")] + list(Method.choices), required=False)
    pay_amount = AmountField(label=_("Paid now, amount (€)"), required=False)
    cheque_number = forms.CharField(label=_("Cheque number"), max_length=30, required=False)
    bank = forms.CharField(label=_("Bank"), max_length=80, required=False)

    consultation = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, consultation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners()
        if user is not None and getattr(user, "is_practitioner", False):
            self.fields["practitioner"].initial = user.pk
        self.fields["date"].initial = timezone.localdate()
        if consultation is not None:
            self.fields["practitioner"].initial = consultation.practitioner_id
            self.fields["date"].initial = timezone.localdate(consultation.at)
            self.fields["consultation"].initial = consultation.pk

    def clean(self):
        data = super().clean()
        codes = "+".join(c for c in ((data.get("template").codes if data.get("template") else ""),
                                     (data.get("codes") or "").strip()) if c)
        data["all_codes"] = codes
        if bool(data.get("free_label")) != (data.get("free_amount") is not None):
            raise ValidationError(_("A free act needs both a label and an amount."))
        if not codes and not data.get("free_label"):
            raise ValidationError(_("Nothing to bill: choose a template, type act codes or describe a free act."))
        if bool(data.get("pay_method")) != (data.get("pay_amount") is not None):
            raise ValidationError(_("To record a payment now, give both the method and the amount."))
        if data.get("pay_method") == Method.CHEQUE and not (data.get("cheque_number") and data.get("bank")):
            raise ValidationError(_("For a cheque, write down its number and the bank."))
        return data

    def issue_kwargs(self) -> dict:
        """The arguments of services.invoice_issue, from the cleaned form."""
        d = self.cleaned_data
        free = [LineInput(code="LIBRE", label=d["free_label"], unit_price=d["free_amount"])] \
            if d.get("free_label") else []
        return {"practitioner": d["practitioner"], "date": d["date"], "codes": d["all_codes"], "lines": free,
                "third_party": d.get("third_party") or "", "third_party_share": d.get("third_party_share") or 0,
                "payment": self.payment_kwargs()}

    def payment_kwargs(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("pay_method"):
            return None
        return {"method": d["pay_method"], "amount": d["pay_amount"], "payer": Payer.PATIENT,
                "cheque_number": d.get("cheque_number", ""), "bank": d.get("bank", "")}


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500,
                           help_text=_("Reminder sent, phone call, promise to pay..."))
    remind_on = forms.DateField(label=_("Look again on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))


class ActForm(forms.ModelForm):
    price = AmountField(label=_("Price (€)"), allow_zero=True)

    class Meta:
        model = Act
        fields = ["practitioner", "code", "label", "kind", "price", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners()


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    codes = forms.CharField(label=_("Acts"), max_length=200, help_text=_("Codes joined by +, e.g. G+MEG."))
    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=None, required=False,
                                          help_text=_("Leave empty for the whole practice."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners()


class FeeImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), required=False,
                           help_text=_("Columns code;label;price, optionally kind (ngap, ccam, free) and active."))
    csv_text = forms.CharField(widget=forms.HiddenInput, required=False)
    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=None, required=False,
                                          help_text=_("Leave empty for the practice's schedule."))
    skip_bad_rows = forms.BooleanField(label=_("Import the good rows even if some rows are bad"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners()

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > 2 * 1024 * 1024:
                raise ValidationError(_("The file is larger than 2 MB: a fee schedule is much smaller."))
            raw = upload.read()
            try:
                data["csv_text"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                data["csv_text"] = raw.decode("cp1252", errors="replace")
        if not data.get("csv_text"):
            raise ValidationError(_("Choose a CSV file to import."))
        return data


class CloseDayForm(forms.Form):
    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=None)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason (to reopen)"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners()


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=None, required=False)
    what = forms.ChoiceField(label=_("Contents"), choices=[("payments", _("Payments received")),
                                                           ("invoices", _("Invoices and credit notes"))],
                             required=False)
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners()

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError(_("The end of the period is before its start."))
        if start and end and (end - start).days > 366 * 2:
            raise ValidationError(_("Export at most two years at a time."))
        return data
