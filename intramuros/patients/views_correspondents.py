"""The directory of correspondents, and their links to patients."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros.accounts.access import capability_required
from intramuros.core.forms import apply_errors
from intramuros.patients import selectors, services
from intramuros.patients.access import patient_for_user
from intramuros.patients.forms import CorrespondentForm, LinkForm
from intramuros.patients.models import Correspondent, PatientCorrespondent


@capability_required("identity.view")
def correspondents(request):
    text = request.GET.get("q", "")
    return render(request, "patients/correspondents.html",
                  {"q": text, "correspondents": selectors.correspondent_search(text=text)})


@capability_required("identity.edit")
def correspondent_edit(request, correspondent_id=None):
    instance = get_object_or_404(Correspondent, pk=correspondent_id) if correspondent_id else None
    form = CorrespondentForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            if instance:
                services.correspondent_update(actor=request.user, correspondent=instance, **form.service_fields())
            else:
                services.correspondent_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The correspondent was saved."))
            return redirect("patients:correspondents")
    return render(request, "patients/correspondent_form.html", {"form": form, "correspondent": instance})


@require_POST
@capability_required("identity.edit")
def correspondent_delete(request, correspondent_id):
    correspondent = get_object_or_404(Correspondent, pk=correspondent_id)
    services.correspondent_delete(actor=request.user, correspondent=correspondent)
    messages.success(request, _("%(name)s was removed from the directory.") % {"name": correspondent})
    return redirect("patients:correspondents")


@require_POST
@capability_required("identity.edit")
def link(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            services.correspondent_link(actor=request.user, patient=patient, **form.cleaned_data)
            messages.success(request, _("The correspondent was linked to this patient."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose a correspondent and a role."))
    return redirect("patients:identity", patient_id=patient.pk)


@require_POST
@capability_required("identity.edit")
def unlink(request, patient_id, link_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    link_row = get_object_or_404(PatientCorrespondent, pk=link_id, patient=patient)
    services.correspondent_unlink(actor=request.user, link=link_row)
    messages.success(request, _("The correspondent was unlinked; the link stays in the history."))
    return redirect("patients:identity", patient_id=patient.pk)
