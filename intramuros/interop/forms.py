"""Forms of the interoperability administration: API tokens, CSV patient import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from intramuros.interop.csv_import import TARGETS

MAX_CSV_BYTES = 5 * 1024 * 1024

TARGET_LABELS = {
    "birth_name": _("Birth name"), "used_name": _("Used name"), "first_names": _("First names"), "sex": _("Sex"),
    "birth_date": _("Birth date"), "birth_place": _("Birth place"), "nir": _("Social security number (NIR)"),
    "address": _("Address"), "postal_code": _("Postal code"), "city": _("City"), "phone_mobile": _("Mobile phone"),
    "phone_home": _("Home phone"), "email": _("E-mail"), "notes": _("Notes"),
}
# Column names other software commonly uses, folded (lower case, no accent), for a first guess.
GUESSES = {
    "birth_name": ("nom", "nom de naissance", "nom naissance", "last name", "lastname", "family", "nom patronymique"),
    "used_name": ("nom d'usage", "nom usage", "nom marital", "used name"),
    "first_names": ("prenom", "prenoms", "first name", "firstname", "given"),
    "sex": ("sexe", "sex", "genre", "gender"),
    "birth_date": ("date de naissance", "naissance", "ne le", "ne(e) le", "birth date", "birthdate", "ddn", "dob"),
    "birth_place": ("lieu de naissance", "birth place"),
    "nir": ("nir", "numero de securite sociale", "n° ss", "insee", "secu", "numero ss"),
    "address": ("adresse", "address", "rue"),
    "postal_code": ("code postal", "cp", "postal code", "zip"),
    "city": ("ville", "commune", "city"),
    "phone_mobile": ("portable", "mobile", "tel portable", "telephone portable"),
    "phone_home": ("telephone", "tel", "tel fixe", "fixe", "phone"),
    "email": ("email", "e-mail", "courriel", "mail"),
    "notes": ("notes", "remarques", "commentaire"),
}
DATE_FORMATS = [("%d/%m/%Y", "31/12/1970"), ("%Y-%m-%d", "1970-12-31"), ("%d-%m-%Y", "31-12-1970"),
                ("%d.%m.%Y", "31.12.1970"), ("%m/%d/%Y", "12/31/1970")]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("Which tool will use it, e.g. \"statistics\" or \"scanner\"."))
    can_write = forms.BooleanField(label=_("May create and update records"), required=False,
                                   help_text=_("Leave unticked for a tool that only reads."))


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file exported by the other software"),
                           help_text=_("Text file, columns separated by semicolons, commas or tabs; at most 5 MB."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB: split it into several files."))
        return upload


def _fold(text: str) -> str:
    from intramuros.core.text import fold

    return fold(text).strip()


def guess_target(column: str) -> str:
    folded = _fold(column)
    for target, words in GUESSES.items():
        if folded in {_fold(w) for w in words}:
            return target
    return ""


class CsvMappingForm(forms.Form):
    """One select per column of the file: which patient field it fills (or none)."""

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("(do not import)"))] + [(t, TARGET_LABELS[t]) for t in TARGETS]
        for index, column in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(label=column or _("(column without a name)"),
                                                            choices=choices, required=False,
                                                            initial=guess_target(column))
        self.fields["date_format"] = forms.ChoiceField(label=_("Dates are written like"), choices=DATE_FORMATS)
        self.fields["skip_bad_rows"] = forms.BooleanField(
            label=_("Import the good rows even if some are rejected"), required=False)

    def clean(self):
        data = super().clean()
        chosen = [data.get(f"col_{i}") for i in range(len(self.headers)) if data.get(f"col_{i}")]
        twice = sorted({t for t in chosen if chosen.count(t) > 1})
        if twice:
            raise forms.ValidationError(_("Each field can be filled from one column only: %(fields)s chosen twice.")
                                        % {"fields": ", ".join(str(TARGET_LABELS[t]) for t in twice)})
        missing = [t for t in ("birth_name", "first_names", "sex", "birth_date") if t not in chosen]
        if missing:
            raise forms.ValidationError(_("Choose the columns holding: %(fields)s (they are required).")
                                        % {"fields": ", ".join(str(TARGET_LABELS[t]) for t in missing)})
        return data

    def mapping(self) -> dict[str, str]:
        return {self.headers[i]: self.cleaned_data[f"col_{i}"] for i in range(len(self.headers))
                if self.cleaned_data.get(f"col_{i}")}
