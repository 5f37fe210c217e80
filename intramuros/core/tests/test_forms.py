"""A service's ValidationError shown on the form that sent the values."""

from django import forms
from django.core.exceptions import ValidationError

from intramuros.core.forms import apply_errors


class NameForm(forms.Form):
    name = forms.CharField()


def _form():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    return form


def test_errors_go_to_their_field_or_above_the_form():
    form = _form()
    apply_errors(form, ValidationError({"name": "Taken already.", "color": "Not a colour."}))
    assert form.errors == {"name": ["Taken already."], "__all__": ["Not a colour."]}
    assert "name" not in form.cleaned_data


def test_an_error_for_no_field_goes_above_the_form():
    form = _form()
    apply_errors(form, ValidationError("Nothing was saved."))
    assert form.errors == {"__all__": ["Nothing was saved."]}
