"""The lab results inbox and a patient's results."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from intramuros.accounts.access import capability_required
from intramuros.interop.labs import selectors, services
from intramuros.interop.models import LabMessage, LabMessageStatus
from intramuros.patients.access import patient_for_user


@capability_required("labs.view")
def lab_inbox(request):
    return render(request, "interop/lab_inbox.html", {"messages_to_match": selectors.inbox(),
                                                      "rejected": selectors.rejected()})


@capability_required("labs.view")
@require_http_methods(["GET", "POST"])
def lab_message(request, message_id):
    message = get_object_or_404(LabMessage, pk=message_id)
    if message.patient_id:
        patient_for_user(request.user, message.patient_id, part="record")
    if request.method == "POST" and message.status == LabMessageStatus.TO_MATCH:
        if "reject" in request.POST:
            services.lab_message_reject(actor=request.user, message=message, reason=request.POST.get("reason", ""))
            flash.success(request, _("The message was rejected; it stays in the list of rejected messages."))
            return redirect("interop:lab_inbox")
        try:
            patient = patient_for_user(request.user, request.POST.get("patient"), part="record")
        except Http404:
            flash.error(request, _("Choose the patient these results belong to."))
        else:
            services.lab_message_file(actor=request.user, message=message, patient=patient)
            flash.success(request, _("Results filed in the record of %(patient)s.") % {"patient": patient})
            return redirect("interop:patient_labs", patient_id=patient.pk)
    return render(request, "interop/lab_message.html", {"message": message,
                                                        "results": message.parsed.get("results", [])})


@capability_required("labs.view")
def patient_labs(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="record")
    return render(request, "interop/patient_labs.html", {"patient": patient,
                                                         "table": selectors.results_table(patient=patient)})
