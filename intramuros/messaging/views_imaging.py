"""The patient's imaging studies from the practice's Orthanc."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros.accounts.access import capability_required
from intramuros.messaging import imaging
from intramuros.patients.access import patient_for_user


def _todays_appointment(patient):
    try:
        from intramuros.agenda.models import Appointment
    except ImportError:  # agenda not installed
        return None
    today = timezone.localdate()
    return (Appointment.objects.filter(patient=patient, start__date=today).select_related("type")
            .order_by("start").first())


@capability_required("clinical.view")
def patient_imaging(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="document")
    studies, error = [], ""
    try:
        studies = imaging.studies_for(patient)
    except imaging.ImagingUnavailable as exc:
        error = str(exc)
    return render(request, "messaging/patient_imaging.html", {
        "patient": patient, "studies": studies, "error": error, "appointment": _todays_appointment(patient)})


@capability_required("clinical.view")
def imaging_preview(request, patient_id, instance_id):
    patient = patient_for_user(request.user, patient_id, part="document")
    try:
        png = imaging.instance_preview(user=request.user, patient=patient, instance_id=instance_id)
    except imaging.ImagingUnavailable:
        return HttpResponse(status=404)
    return HttpResponse(png, content_type="image/png")


@capability_required("documents.edit")
@require_POST
def imaging_attach(request, patient_id, instance_id):
    patient = patient_for_user(request.user, patient_id, part="document")
    try:
        imaging.imaging_attach(actor=request.user, patient=patient, instance_id=instance_id)
    except imaging.ImagingUnavailable as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Attached to the patient's documents."))
    return redirect("messaging:patient_imaging", patient_id=patient.pk)


@capability_required("clinical.edit")
@require_POST
def imaging_worklist(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="document")
    appointment = _todays_appointment(patient)
    if appointment is None:
        flash.error(request, _("This patient has no appointment today."))
        return redirect("messaging:patient_imaging", patient_id=patient.pk)
    description = str(appointment.type) if appointment.type_id else _("Examination")
    try:
        imaging.worklist_entry_write(actor=request.user, patient=patient, when=timezone.localtime(appointment.start),
                                     description=description, performing=request.user.display_name)
    except imaging.ImagingUnavailable as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("The examination is on the modalities' worklist."))
    return redirect("messaging:patient_imaging", patient_id=patient.pk)
