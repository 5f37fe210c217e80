"""Signature tablets: paired once by an administrator, then shown only the documents sent to them."""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import io
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.messaging.models import SignatureRequest, SignatureStatus, Tablet

PAIRING_LIFETIME = datetime.timedelta(minutes=10)
COOKIE = "intramuros_tablet"
MAX_SIGNATURE_BYTES = 500_000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def tablet_register(*, actor, name: str) -> tuple[Tablet, str]:
    """A new tablet and its one-time pairing code (valid ten minutes)."""
    code = secrets.token_urlsafe(24)
    tablet = Tablet.objects.create(name=name.strip()[:100] or _("Tablet"), registered_by=actor,
                                   pairing_hash=_hash(code), pairing_expires_at=timezone.now() + PAIRING_LIFETIME)
    audit.record(actor=actor, action="messaging.tablet.registered", target=tablet)
    return tablet, code


@transaction.atomic
def tablet_pair(*, code: str) -> tuple[Tablet, str] | None:
    """Called from the tablet itself: trades the pairing code for the tablet's lasting secret."""
    tablet = Tablet.objects.select_for_update().filter(pairing_hash=_hash(code or ""), revoked_at__isnull=True).first()
    if tablet is None or tablet.pairing_expires_at is None or tablet.pairing_expires_at <= timezone.now():
        return None
    token = secrets.token_urlsafe(32)
    tablet.token_hash, tablet.pairing_hash, tablet.pairing_expires_at = _hash(token), "", None
    tablet.paired_at = timezone.now()
    tablet.save()
    audit.record(actor=tablet.registered_by, action="messaging.tablet.paired", target=tablet)
    return tablet, token


def tablet_from_token(token: str | None) -> Tablet | None:
    if not token:
        return None
    tablet = Tablet.objects.filter(token_hash=_hash(token), revoked_at__isnull=True).first()
    if tablet:
        Tablet.objects.filter(pk=tablet.pk).update(last_seen_at=timezone.now())
    return tablet


@transaction.atomic
def tablet_revoke(*, actor, tablet: Tablet) -> None:
    tablet.revoked_at, tablet.token_hash = timezone.now(), ""
    tablet.save(update_fields=["revoked_at", "token_hash"])
    tablet.requests.filter(status=SignatureStatus.PENDING).update(status=SignatureStatus.CANCELLED)
    audit.record(actor=actor, action="messaging.tablet.revoked", target=tablet)


@transaction.atomic
def signature_request(*, actor, tablet: Tablet, document) -> SignatureRequest:
    if not tablet.is_active:
        raise ValidationError(_("This tablet is not paired or was revoked: choose another one."))
    tablet.requests.filter(status=SignatureStatus.PENDING).update(status=SignatureStatus.CANCELLED)
    request = SignatureRequest.objects.create(tablet=tablet, patient=document.patient, document=document,
                                              requested_by=actor)
    audit.record(actor=actor, action="messaging.signature.requested", target=request, patient=document.patient_id,
                 tablet=tablet.pk)
    return request


def pending_for(tablet: Tablet) -> SignatureRequest | None:
    return (tablet.requests.filter(status=SignatureStatus.PENDING).select_related("document", "patient")
            .order_by("-created_at").first())


def _decode_signature(data_url: str) -> bytes:
    from PIL import Image

    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix) or len(data_url) > MAX_SIGNATURE_BYTES * 4 // 3 + len(prefix) + 4:
        raise ValidationError(_("The signature did not arrive as an image: sign again."))
    try:
        png = base64.b64decode(data_url[len(prefix):], validate=True)
        Image.open(io.BytesIO(png)).verify()
    except (binascii.Error, ValueError, OSError):
        raise ValidationError(_("The signature did not arrive as an image: sign again.")) from None
    return png


def _signed_pdf(original: bytes, *, png: bytes, signer: str, tablet: Tablet, when: datetime.datetime) -> bytes:
    """The original PDF, unchanged, followed by a page holding the signature and what it signs."""
    from pypdf import PdfReader, PdfWriter

    from intramuros.documents.pdf import render_pdf

    page = render_pdf(template_name="messaging/pdf/signature_page.html", context={
        "signature": "data:image/png;base64," + base64.b64encode(png).decode(), "signer": signer,
        "tablet": tablet.name, "when": when, "sha256": hashlib.sha256(original).hexdigest()})
    writer = PdfWriter()
    for source in (original, page):
        for p in PdfReader(io.BytesIO(source)).pages:
            writer.add_page(p)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@transaction.atomic
def signature_submit(*, tablet: Tablet, request_id: int, signer: str, data_url: str) -> SignatureRequest:
    from intramuros.documents.services import printed_document_create
    from intramuros.documents.storage import read_bytes

    request = (SignatureRequest.objects.select_for_update().select_related("document__file")
               .filter(pk=request_id, tablet=tablet, status=SignatureStatus.PENDING).first())
    if request is None:
        raise ValidationError(_("This document is no longer waiting for a signature."))
    signer = " ".join(signer.split())[:150]
    if not signer:
        raise ValidationError(_("Type the name of the person who signs."))
    png = _decode_signature(data_url)
    now = timezone.now()
    pdf = _signed_pdf(read_bytes(request.document.file), png=png, signer=signer, tablet=tablet, when=now)
    signed = printed_document_create(actor=request.requested_by, patient=request.patient, kind="signed",
                                     title=_("%(title)s (signed)") % {"title": request.document.title}, pdf=pdf)
    request.status, request.signer_name, request.signed_at, request.signed_document = (
        SignatureStatus.SIGNED, signer, now, signed)
    request.save()
    audit.record(actor=request.requested_by, action="messaging.signature.signed", target=request,
                 patient=request.patient_id, tablet=tablet.pk, sha256=signed.sha256)
    return request
