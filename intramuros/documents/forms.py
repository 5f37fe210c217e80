"""Forms of the documents app: they bind and check input; the services do the writing."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intramuros.documents.models import DocumentCategory, LetterTemplate, PageSize, TemplateKind
from intramuros.documents.uploads import max_upload_bytes


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Left empty: the file's name."))
    document_date = forms.DateField(label=_("Date of the document"), widget=DateInput(),
                                    initial=timezone.localdate)
    category = forms.ChoiceField(label=_("Category"), choices=DocumentCategory.choices)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            # Checked here too so that an oversized file is refused before it is read into memory.
            from django.template.defaultfilters import filesizeformat

            raise forms.ValidationError(_("This file is too large (%(size)s; at most %(limit)s).") % {
                "size": filesizeformat(upload.size), "limit": filesizeformat(max_upload_bytes())})
        return upload


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    document_date = forms.DateField(label=_("Date of the document"), widget=DateInput())
    category = forms.ChoiceField(label=_("Category"), choices=DocumentCategory.choices)


class NewLetterForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Template"), queryset=LetterTemplate.objects.all(),
                                      empty_label=None)
    consultation = forms.TypedChoiceField(label=_("Consultation"), required=False, coerce=int, empty_value=None,
                                          help_text=_("Its reason, findings and conclusion fill the letter."))

    def __init__(self, *args, consultations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.consultations = {c.pk: c for c in consultations}
        choices = [("", _("none"))]
        for c in consultations:
            when = getattr(c, "at", None) or getattr(c, "created_at", None)
            label = f"{when:%d/%m/%Y}" if when else str(c.pk)
            reason = getattr(c, "reason", "")
            choices.append((c.pk, f"{label} – {reason}"[:80] if reason else label))
        self.fields["consultation"].choices = choices
        if consultations and not self.is_bound:
            self.initial["consultation"] = consultations[0].pk

    def clean_consultation(self):
        pk = self.cleaned_data.get("consultation")
        return self.consultations.get(pk) if pk else None


class LetterForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    page_size = forms.ChoiceField(label=_("Page size"), choices=PageSize.choices)
    body = forms.CharField(label=_("Text (HTML)"), widget=forms.Textarea(attrs={"rows": 22, "class": "code"}),
                           help_text=_("Paragraphs <p>...</p>, <strong>bold</strong>, <em>italics</em>, "
                                       "lists <ul><li>...</li></ul>."))


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=TemplateKind.choices)
    page_size = forms.ChoiceField(label=_("Page size"), choices=PageSize.choices)
    title = forms.CharField(label=_("Document title"), max_length=200, required=False,
                            help_text=_("Placeholders allowed, e.g. Certificate for {{ patient.name }}."))
    body = forms.CharField(label=_("Body (HTML with placeholders)"),
                           widget=forms.Textarea(attrs={"rows": 24, "class": "code"}))
    css = forms.CharField(label=_("Extra CSS for the PDF"), required=False,
                          widget=forms.Textarea(attrs={"rows": 6, "class": "code"}))


class LetterheadForm(forms.Form):
    name = forms.CharField(label=_("Practice name"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    extra = forms.CharField(label=_("Other lines under the name"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("e.g. consultation hours, convention sector, diplomas."))
    footer = forms.CharField(label=_("Footer"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    logo = forms.FileField(label=_("Logo (PNG or JPEG, at most 2 MB)"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg"}))
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
