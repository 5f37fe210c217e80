"""Patient pages: search, create (with duplicate check), identity, history, deletion, merge, correspondents."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intramuros.accounts.access import capability_required, has_capability
from intramuros.core.forms import apply_errors
from intramuros.patients import selectors, services
from intramuros.patients.access import patient_for_user
from intramuros.patients.forms import (
    DeleteForm,
    LinkForm,
    PatientForm,
    PhotoForm,
)
from intramuros.patients.models import Tag
from intramuros.patients.presenters import result_rows, results_table


def can_merge(user) -> bool:
    """Merging is for practitioners and administrators (a secretary reports the duplicate)."""
    return has_capability(user, "identity.edit") and (
        has_capability(user, "clinical.edit") or has_capability(user, "records.restore"))


def _merge_gate(user) -> None:
    if not can_merge(user):
        raise PermissionDenied


def _search_results(request) -> tuple[str, str]:
    """The typed text and the table of its results (the search is audited), for the page and its live part."""
    text = request.GET.get("q", "")
    return text, results_table(result_rows(selectors.patient_search(user=request.user, text=text)), text)


@capability_required("identity.view")
def index(request):
    text, results = _search_results(request)
    return render(request, "patients/index.html", {"q": text, "results": results, "can_merge": can_merge(request.user)})


@require_GET
@capability_required("identity.view")
def search(request):
    return HttpResponse(_search_results(request)[1])


@capability_required("identity.edit")
def new(request):
    form = PatientForm(request.POST or None)
    candidates = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(actor=request.user, **form.service_fields(),
                                                confirm_duplicate=request.POST.get("confirm_duplicate") == "on")
        except services.DuplicateSuspected as dup:
            candidates = dup.candidates
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The file of %(name)s was created.") % {"name": patient})
            return redirect("patients:identity", patient_id=patient.pk)
    return render(request, "patients/new.html", {"form": form, "candidates": candidates})


@capability_required("identity.view")
def identity(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    links = selectors.correspondent_links(patient)
    return render(request, "patients/identity.html", {
        "patient": patient, "links": links, "link_form": LinkForm(), "photo_form": PhotoForm(),
        "can_edit": has_capability(request.user, "identity.edit"), "can_merge": can_merge(request.user),
        "can_delete": has_capability(request.user, "records.restore"), "all_tags": Tag.objects.all(),
    })


@capability_required("identity.edit")
def edit(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    form = PatientForm(request.POST or None, instance=copy.copy(patient))
    if request.method == "POST" and form.is_valid():
        try:
            # A copy: if the change is refused, the page header keeps showing the saved identity.
            services.patient_update(actor=request.user, patient=copy.copy(patient), **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The identity was saved."))
            return redirect("patients:identity", patient_id=patient.pk)
    return render(request, "patients/edit.html", {"patient": patient, "form": form})


@require_GET
@capability_required("identity.view")
def photo(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    data = services.patient_photo_bytes(patient)
    if not data:
        raise Http404
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@capability_required("identity.edit")
def photo_upload(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    form = PhotoForm(request.POST, request.FILES)
    if request.POST.get("remove"):
        services.patient_remove_photo(actor=request.user, patient=patient)
        messages.success(request, _("The photo was removed."))
    elif form.is_valid() and form.cleaned_data["photo"]:
        try:
            services.patient_set_photo(actor=request.user, patient=patient, data=form.cleaned_data["photo"].read())
            messages.success(request, _("The photo was saved."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose a photo file to send."))
    return redirect("patients:identity", patient_id=patient.pk)


@capability_required("identity.view")
def history(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity", include_deleted=True)
    return render(request, "patients/history.html", {"patient": patient,
                                                     "versions": selectors.identity_history(patient)})


@capability_required("records.restore")
def delete(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.patient_delete(actor=request.user, patient=patient, reason=form.cleaned_data["reason"])
        messages.success(request, _("The file of %(name)s was deleted; it can be restored from the list of "
                                    "deleted files.") % {"name": patient})
        return redirect("patients:index")
    return render(request, "patients/delete.html", {"patient": patient, "form": form})


@capability_required("records.restore")
def deleted(request):
    if not has_capability(request.user, "identity.view"):
        raise PermissionDenied
    return render(request, "patients/deleted.html", {"patients": selectors.deleted_patients()})


@require_POST
@capability_required("records.restore")
def restore(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity", include_deleted=True)
    try:
        services.patient_restore(actor=request.user, patient=patient)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("patients:deleted")
    messages.success(request, _("The file of %(name)s was restored.") % {"name": patient})
    return redirect("patients:identity", patient_id=patient.pk)
