"""Tags: the practice's list of tags, tagging a patient, the patients of a tag."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from intramuros.accounts.access import capability_required
from intramuros.core.forms import apply_errors
from intramuros.patients import tags
from intramuros.patients.access import patient_for_user
from intramuros.patients.models import Tag, TagColor


class TagForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    color = forms.ChoiceField(label=gettext_lazy("Colour"), choices=TagColor.choices)


@capability_required("identity.view")
@require_http_methods(["GET", "POST"])
def tag_list(request):
    form = TagForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_administrator:
            return redirect("patients:tags")
        if form.is_valid():
            try:
                tags.tag_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("patients:tags")
    selected = Tag.objects.filter(pk=request.GET.get("tag") or 0).first()
    return render(request, "patients/tags.html", {
        "tags": Tag.objects.all(), "form": form, "selected": selected,
        "tagged": tags.patients_with_tag(tag=selected) if selected else []})


@capability_required("identity.edit")
@require_POST
def patient_tag(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    tag = get_object_or_404(Tag, pk=request.POST.get("tag") or 0)
    if request.POST.get("remove"):
        tags.patient_tag_remove(actor=request.user, patient=patient, tag=tag)
    else:
        tags.patient_tag_add(actor=request.user, patient=patient, tag=tag)
        messages.success(request, _("Tag “%(tag)s” added.") % {"tag": tag.name})
    return redirect("patients:identity", patient_id=patient.pk)
