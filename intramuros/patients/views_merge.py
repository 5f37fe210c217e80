"""Merging two files of one person, and undoing a merge."""

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
from intramuros.patients.forms import MergeForm
from intramuros.patients.models import PatientMerge
from intramuros.patients.views import _merge_gate


def _pick(request, key):
    value = request.GET.get(key) or request.POST.get(key)
    return patient_for_user(request.user, value, part="identity") if value else None


def _counts(patient) -> list[tuple[str, int]]:
    """How many records of each kind hang on this file (what a merge would move)."""
    counts = []
    for model, field in services.patient_relations():
        n = model._base_manager.filter(**{field: patient.pk}).count()
        if n:
            counts.append((str(model._meta.verbose_name_plural), n))
    return counts


@capability_required("identity.edit")
def merge(request):
    """Choose two files (search for each), see them side by side, give a reason, confirm."""
    _merge_gate(request.user)
    keep, absorb = _pick(request, "keep"), _pick(request, "absorb")
    form = MergeForm(request.POST or None, initial={"keep": keep and keep.pk, "absorb": absorb and absorb.pk})
    if request.method == "POST" and keep and absorb and form.is_valid():
        try:
            services.patient_merge(actor=request.user, keep=keep, absorb=absorb, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The two files were merged into %(name)s. The merge can be undone from "
                                        "the merge history.") % {"name": keep})
            return redirect("patients:identity", patient_id=keep.pk)
    q_keep, q_absorb = request.GET.get("q_keep", ""), request.GET.get("q_absorb", "")
    return render(request, "patients/merge.html", {
        "keep": keep, "absorb": absorb, "form": form, "q_keep": q_keep, "q_absorb": q_absorb,
        "keep_results": selectors.patient_search(user=request.user, text=q_keep) if q_keep and not keep else [],
        "absorb_results": (selectors.patient_search(user=request.user, text=q_absorb)
                           if q_absorb and not absorb else []),
        "keep_counts": _counts(keep) if keep else [], "absorb_counts": _counts(absorb) if absorb else [],
    })


@capability_required("identity.edit")
def merges(request):
    _merge_gate(request.user)
    return render(request, "patients/merges.html", {"merges": selectors.merge_history()})


@require_POST
@capability_required("identity.edit")
def unmerge(request, merge_id):
    _merge_gate(request.user)
    merge_row = get_object_or_404(PatientMerge, pk=merge_id)
    try:
        services.patient_unmerge(actor=request.user, merge=merge_row)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The merge was undone: both files are back as they were."))
    return redirect("patients:merges")
