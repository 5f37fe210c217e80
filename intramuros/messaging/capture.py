"""Photos from a phone: a QR code valid a few minutes for one patient; the photos land encrypted in the file."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.messaging.models import CaptureLink

LIFETIME = datetime.timedelta(minutes=5)
MAX_PHOTOS = 30


class CaptureLinkInvalid(Exception):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def capture_link_create(*, actor, patient) -> tuple[CaptureLink, str]:
    """A new link; the token is returned once (for the QR code) and only its hash is kept."""
    token = secrets.token_urlsafe(32)
    link = CaptureLink.objects.create(token_hash=_hash(token), patient=patient, created_by=actor,
                                      expires_at=timezone.now() + LIFETIME)
    audit.record(actor=actor, action="messaging.capture.link_created", target=link, patient=patient)
    return link, token


def capture_link_open(token: str) -> CaptureLink:
    link = CaptureLink.objects.filter(token_hash=_hash(token or "")).first()
    if link is None or link.closed_at is not None or link.expires_at <= timezone.now():
        raise CaptureLinkInvalid(_("This link has expired or was already used: ask for a new code on the "
                                   "practitioner's screen."))
    return link


@transaction.atomic
def capture_photo_add(*, token: str, data: bytes, name: str):
    """Check the photo by its content and file it, encrypted, in the patient's documents."""
    from intramuros.documents.services import document_upload
    from intramuros.documents.uploads import UploadRefused, check_content

    link = CaptureLink.objects.select_for_update().get(pk=capture_link_open(token).pk)
    if link.photos >= MAX_PHOTOS:
        raise CaptureLinkInvalid(_("This link has received its maximum of photos: ask for a new code."))
    if not check_content(data, name=name).startswith("image/"):
        raise UploadRefused(_("Only photos (JPEG or PNG) can be sent from the phone."))
    now = timezone.localtime()
    document = document_upload(actor=link.created_by, patient=link.patient, data=data, name=name or "photo.jpg",
                               title=_("Photo from the phone, %(when)s") % {"when": now.strftime("%d/%m/%Y %H:%M")},
                               document_date=now.date(), category="other")
    CaptureLink.objects.filter(pk=link.pk).update(photos=F("photos") + 1)
    audit.record(actor=link.created_by, action="messaging.capture.photo_received", target=document,
                 patient=link.patient_id, link=link.pk)
    return document


@transaction.atomic
def capture_link_close(*, token: str) -> CaptureLink:
    link = capture_link_open(token)
    link.closed_at = timezone.now()
    link.save(update_fields=["closed_at"])
    audit.record(actor=link.created_by, action="messaging.capture.link_closed", target=link,
                 patient=link.patient_id, photos=link.photos)
    return link
