from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from intramuros.accounts.models import Role, User


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("User name"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code"), regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Type the six digits shown by your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class SetupForm(forms.Form):
    practice_name = forms.CharField(label=_("Name of the practice"), max_length=200)
    first_name = forms.CharField(label=_("Your first name"), max_length=150)
    last_name = forms.CharField(label=_("Your last name"), max_length=150)
    role = forms.ChoiceField(label=_("You are"), choices=[(Role.PRACTITIONER, _("a practitioner")),
                                                         (Role.ADMIN, _("an administrator (no medical access)"))])
    username = forms.RegexField(label=_("User name"), max_length=150, regex=r"^[\w.@+-]+$")
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password"):
            probe = User(username=data.get("username", ""), last_name=data.get("last_name", ""))
            try:
                validate_password(data["password"], probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class UserCreateForm(forms.Form):
    username = forms.RegexField(label=_("User name"), max_length=150, regex=r"^[\w.@+-]+$")
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    title = forms.CharField(label=_("Title"), max_length=20, required=False)
    specialty = forms.CharField(label=_("Specialty"), max_length=120, required=False)
    rpps = forms.RegexField(label=_("RPPS number"), regex=r"^\d{11}$", required=False)
    is_practice_admin = forms.BooleanField(label=_("Administers the practice"), required=False)
    otp_required = forms.BooleanField(label=_("Two-factor login required"), required=False)
    password = forms.CharField(label=_("Initial password"), strip=False, widget=forms.PasswordInput)

    def clean_username(self):
        name = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return name

    def clean(self):
        data = super().clean()
        if data.get("password"):
            try:
                validate_password(data["password"], User(username=data.get("username", "")))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data
