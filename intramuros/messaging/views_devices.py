"""Pages for the practice's devices: a phone sending photos, a tablet collecting signatures.

Neither device logs in. The phone holds a five-minute link for one patient; the tablet holds
the secret cookie it received when an administrator paired it. Neither page shows anything
about a patient except the one document sent to that tablet.
"""

from __future__ import annotations

import segno
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from intramuros.accounts.access import capability_required
from intramuros.accounts.network import is_local
from intramuros.messaging import capture, tablets
from intramuros.messaging.models import CaptureLink, SignatureRequest, Tablet
from intramuros.patients.access import patient_for_user


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=5)


def _local_only(request):
    if not is_local(request):
        raise Http404


# --- phone capture: the practitioner's side ---

@capability_required("documents.edit")
@require_POST
def capture_start(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="document")
    link, token = capture.capture_link_create(actor=request.user, patient=patient)
    url = request.build_absolute_uri(reverse("messaging:capture_phone", args=[token]))
    return render(request, "messaging/capture_qr.html", {"patient": patient, "link": link, "qr": _qr(url),
                                                         "url": url})


@capability_required("documents.edit")
def capture_status(request, link_id):
    link = get_object_or_404(CaptureLink, pk=link_id, created_by=request.user)
    return render(request, "messaging/_capture_status.html", {"link": link})


# --- phone capture: the phone's side ---

@require_http_methods(["GET", "POST"])
def capture_phone(request, token):
    _local_only(request)
    try:
        link = capture.capture_link_open(token)
    except capture.CaptureLinkInvalid as exc:
        return render(request, "messaging/device_message.html", {"message": str(exc)}, status=410)
    if request.method == "POST":
        return _capture_receive(request, token)
    return render(request, "messaging/capture_phone.html", {"token": token, "photos": link.photos})


def _capture_receive(request, token):
    from intramuros.documents.uploads import UploadRefused

    if "finish" in request.POST:
        capture.capture_link_close(token=token)
        return render(request, "messaging/device_message.html", {"message": _("Done: the photos are in the file.")})
    files = request.FILES.getlist("photos")
    if not files:
        flash.error(request, _("Choose or take at least one photo."))
    for upload in files:
        try:
            capture.capture_photo_add(token=token, data=upload.read(), name=upload.name)
        except (UploadRefused, capture.CaptureLinkInvalid) as exc:
            flash.error(request, f"{upload.name}: {exc}")
        else:
            flash.success(request, _("%(name)s received.") % {"name": upload.name})
    return redirect("messaging:capture_phone", token=token)


# --- signature tablets: administration ---

@capability_required("admin.settings")
@require_http_methods(["GET", "POST"])
def tablet_admin(request):
    context = {"tablets": Tablet.objects.order_by("name")}
    if request.method == "POST":
        tablet, code = tablets.tablet_register(actor=request.user, name=request.POST.get("name", ""))
        url = request.build_absolute_uri(reverse("messaging:tablet_pair", args=[code]))
        context.update(new_tablet=tablet, pairing_url=url, qr=_qr(url))
    return render(request, "messaging/tablet_admin.html", context)


@capability_required("admin.settings")
@require_POST
def tablet_revoke(request, tablet_id):
    tablets.tablet_revoke(actor=request.user, tablet=get_object_or_404(Tablet, pk=tablet_id))
    flash.success(request, _("The tablet was revoked: it shows nothing any more."))
    return redirect("messaging:tablet_admin")


@capability_required("documents.edit")
@require_POST
def signature_send(request, printed_id):
    from intramuros.documents.models import PrintedDocument

    printed = get_object_or_404(PrintedDocument, pk=printed_id)
    patient_for_user(request.user, printed.patient_id, part="document")
    tablet = get_object_or_404(Tablet, pk=request.POST.get("tablet") or 0)
    try:
        tablets.signature_request(actor=request.user, tablet=tablet, document=printed)
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    else:
        flash.success(request, _("Sent to the tablet “%(name)s”.") % {"name": tablet.name})
    return redirect(request.POST.get("next") or reverse("core:home"))


# --- signature tablets: the tablet's side ---

def _tablet(request):
    return tablets.tablet_from_token(request.COOKIES.get(tablets.COOKIE))


def tablet_pair(request, code):
    _local_only(request)
    paired = tablets.tablet_pair(code=code)
    if paired is None:
        return render(request, "messaging/device_message.html", {
            "message": _("This pairing code has expired or was used: ask the administrator for a new one.")},
            status=410)
    tablet, token = paired
    response = redirect("messaging:tablet_home")
    response.set_cookie(tablets.COOKIE, token, max_age=3 * 365 * 24 * 3600, httponly=True, samesite="Strict",
                        secure=request.is_secure())
    return response


def tablet_home(request):
    _local_only(request)
    tablet = _tablet(request)
    if tablet is None:
        return render(request, "messaging/device_message.html", {
            "message": _("This tablet is not registered, or it was revoked.")}, status=403)
    return render(request, "messaging/tablet_home.html", {"tablet": tablet, "pending": tablets.pending_for(tablet)})


def tablet_pending(request):
    """Polled by the tablet: the document waiting for a signature, or nothing."""
    _local_only(request)
    tablet = _tablet(request)
    if tablet is None:
        return HttpResponse(status=403)
    return render(request, "messaging/_tablet_pending.html", {"pending": tablets.pending_for(tablet)})


def tablet_document(request, request_id):
    _local_only(request)
    from intramuros.documents.storage import read_bytes

    tablet = _tablet(request)
    sig = get_object_or_404(SignatureRequest.objects.select_related("document__file"), pk=request_id,
                            tablet=tablet, status="pending") if tablet else None
    if sig is None:
        raise Http404
    response = HttpResponse(read_bytes(sig.document.file), content_type="application/pdf")
    response["Content-Disposition"] = "inline"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response


@require_POST
def tablet_sign(request, request_id):
    _local_only(request)
    tablet = _tablet(request)
    if tablet is None:
        return HttpResponse(status=403)
    try:
        tablets.signature_submit(tablet=tablet, request_id=request_id, signer=request.POST.get("signer", ""),
                                 data_url=request.POST.get("signature", ""))
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    else:
        flash.success(request, _("Thank you: the document is signed."))
    return redirect("messaging:tablet_home")
