"""Pages of the backup app: the backup history with "back up now", and a patient's complete export."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from intramuros.accounts.access import capability_required
from intramuros.backup import crypto, export, services
from intramuros.backup.selectors import backup_runs


@capability_required("backup.manage")
def index(request):
    try:
        encrypted_to, key_problem = crypto.plan_from_settings().description, ""
    except crypto.BackupKeyError as exc:
        encrypted_to, key_problem = "", str(exc)
    return render(request, "backup/index.html", {
        "runs": backup_runs(), "destinations": services.configured_destinations(),
        "encrypted_to": encrypted_to, "key_problem": key_problem})


@capability_required("backup.manage")
@require_POST
def run(request):
    if not services.configured_destinations():
        messages.error(request, _("No backup destination is set: set INTRAMUROS_BACKUP_DIRS, then try again."))
        return redirect("backup:index")
    services.backup_request(actor=request.user)
    messages.success(request, _("The backup has started; its result appears below when it is done."))
    return redirect("backup:index")


@capability_required("clinical.view")
@require_http_methods(["GET", "POST"])
def patient_export(request, patient_id: int):
    from intramuros.patients.access import patient_for_user

    patient = patient_for_user(request.user, patient_id, part="record")
    if request.method == "GET":
        return render(request, "backup/export.html", {"patient": patient})
    archive = export.as_zip(export.patient_export(patient=patient, actor=request.user, request=request))
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}-export.zip"'
    return response
