from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from intramuros.audit.models import SecurityPolicy


class LogFilterForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=get_user_model().objects.none(), required=False,
                                  empty_label=_("Everyone"))
    patient = forms.IntegerField(label=_("Patient number"), required=False, min_value=1, max_value=2**62)
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=100,
                             help_text=_("e.g. patients. or patients.summary"))
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)
    searched = forms.CharField(label=_("Patient search containing"), required=False, max_length=80,
                               help_text=_("who looked for this name? e.g. martin"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.order_by("last_name", "username")

    def clean_action(self):
        return "".join(c for c in self.cleaned_data["action"] if c.isalnum() or c in "._-")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period is before its start: swap the two dates."))
        return data


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this file?"), min_length=10, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
        help_text=_("For example: emergency while Dr X is away. The reason is recorded and reviewed."),
        error_messages={"min_length": _("Give a real reason (at least %(limit_value)d characters).")},
    )


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = ["local_networks", "forbid_remote"]
        widgets = {"local_networks": forms.Textarea(attrs={"rows": 4})}
