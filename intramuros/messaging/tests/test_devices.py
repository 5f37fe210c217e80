"""Phone capture and signature tablets: no login on the device, nothing shown to whoever should not see it."""

import base64
import datetime
import io

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from intramuros.audit.models import AuditEvent
from intramuros.messaging import tablets
from intramuros.messaging.models import CaptureLink, SignatureRequest

pytestmark = pytest.mark.django_db
LAN = {"REMOTE_ADDR": "192.168.1.30"}


def _png(size=(40, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _start_capture(client, patient):
    response = client.post(reverse("messaging:capture_start", args=[patient.pk]))
    assert response.status_code == 200
    assert "data:image/svg+xml" in response.content.decode()
    url = response.context["url"]
    return url[url.index("/messages/capture/"):]


def test_phone_photos_land_encrypted_in_the_patients_documents(client, dr_alice, jeanne_martin):
    from intramuros.documents.models import UploadedDocument

    client.force_login(dr_alice)
    phone_url = _start_capture(client, jeanne_martin)
    phone = type(client)()
    page = phone.get(phone_url, **LAN)
    assert page.status_code == 200
    assert "Martin" not in page.content.decode()  # the phone's page names no patient
    photo = io.BytesIO(_png())
    photo.name = "plaie.png"
    assert phone.post(phone_url, {"photos": photo}, **LAN).status_code == 302
    document = UploadedDocument.objects.get(patient=jeanne_martin)
    assert document.file.content_type == "image/png"
    assert AuditEvent.objects.filter(action="messaging.capture.photo_received", patient_id=jeanne_martin.pk).exists()
    # The link dies after use.
    phone.post(phone_url, {"finish": "1"}, **LAN)
    assert phone.get(phone_url, **LAN).status_code == 410


def test_a_file_that_is_not_a_photo_is_refused(client, dr_alice, jeanne_martin):
    from intramuros.documents.models import UploadedDocument

    client.force_login(dr_alice)
    phone_url = _start_capture(client, jeanne_martin)
    fake = io.BytesIO(b"MZ\x90\x00 this is not an image")
    fake.name = "photo.jpg"
    type(client)().post(phone_url, {"photos": fake}, **LAN)
    assert not UploadedDocument.objects.exists()


def test_huge_photo_is_refused(client, dr_alice, jeanne_martin):
    from intramuros.documents.models import UploadedDocument

    client.force_login(dr_alice)
    phone_url = _start_capture(client, jeanne_martin)
    big = io.BytesIO(_png((1200, 1200)))
    big.name = "big.png"
    with override_settings(DOCUMENTS_MAX_UPLOAD_BYTES=1000):
        type(client)().post(phone_url, {"photos": big}, **LAN)
    assert not UploadedDocument.objects.exists()


def test_expired_link_and_outside_address_show_nothing(client, dr_alice, jeanne_martin):
    client.force_login(dr_alice)
    phone_url = _start_capture(client, jeanne_martin)
    assert type(client)().get(phone_url, REMOTE_ADDR="203.0.113.7").status_code == 404
    CaptureLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = type(client)().get(phone_url, **LAN)
    assert expired.status_code == 410 and "Martin" not in expired.content.decode()


def test_secretary_cannot_start_a_capture(client, bob_secretary, jeanne_martin):
    client.force_login(bob_secretary)
    assert client.post(reverse("messaging:capture_start", args=[jeanne_martin.pk])).status_code == 403


@pytest.fixture
def consent(dr_alice, jeanne_martin):
    from intramuros.documents.pdf import html_to_pdf
    from intramuros.documents.services import printed_document_create

    return printed_document_create(actor=dr_alice, patient=jeanne_martin, kind="consent", title="Consentement",
                                   pdf=html_to_pdf("<p>Je consens à l'intervention.</p>"))


def _paired_tablet(client, admin):
    client.force_login(admin)
    response = client.post(reverse("messaging:tablet_admin"), {"name": "Accueil"})
    pairing_path = response.context["pairing_url"].split("testserver", 1)[1]
    device = type(client)()
    assert device.get(pairing_path, **LAN).status_code == 302
    assert device.get(pairing_path, **LAN).status_code == 410  # a pairing code works once
    tablet = response.context["new_tablet"]
    tablet.refresh_from_db()
    return tablet, device


def test_tablet_signs_a_document_sent_to_it(client, dr_alice, consent):
    from pypdf import PdfReader

    from intramuros.documents.storage import read_bytes

    tablet, device = _paired_tablet(client, dr_alice)
    idle = device.get(reverse("messaging:tablet_home"), **LAN)
    assert idle.status_code == 200 and "Consentement" not in idle.content.decode()
    client.post(reverse("messaging:signature_send", args=[consent.pk]), {"tablet": tablet.pk})
    waiting = device.get(reverse("messaging:tablet_pending"), **LAN).content.decode()
    assert "Consentement" in waiting
    request = SignatureRequest.objects.get()
    assert device.get(reverse("messaging:tablet_document", args=[request.pk]), **LAN)["Content-Type"] == \
        "application/pdf"
    data_url = "data:image/png;base64," + base64.b64encode(_png()).decode()
    device.post(reverse("messaging:tablet_sign", args=[request.pk]), {"signer": "Jeanne Martin",
                                                                       "signature": data_url}, **LAN)
    request.refresh_from_db()
    assert request.status == "signed" and request.signer_name == "Jeanne Martin"
    signed = read_bytes(request.signed_document.file)
    assert len(PdfReader(io.BytesIO(signed)).pages) == len(PdfReader(io.BytesIO(read_bytes(consent.file))).pages) + 1


def test_bad_signature_is_refused(client, dr_alice, consent):
    tablet, device = _paired_tablet(client, dr_alice)
    request = tablets.signature_request(actor=dr_alice, tablet=tablet, document=consent)
    device.post(reverse("messaging:tablet_sign", args=[request.pk]), {"signer": "X", "signature": "data:text/html,<b>"},
                **LAN)
    request.refresh_from_db()
    assert request.status == "pending"


def test_unpaired_or_revoked_tablet_shows_nothing(client, dr_alice, consent):
    stranger = type(client)()
    response = stranger.get(reverse("messaging:tablet_home"), **LAN)
    assert response.status_code == 403 and "Consentement" not in response.content.decode()
    tablet, device = _paired_tablet(client, dr_alice)
    request = tablets.signature_request(actor=dr_alice, tablet=tablet, document=consent)
    client.post(reverse("messaging:tablet_revoke", args=[tablet.pk]))
    assert device.get(reverse("messaging:tablet_home"), **LAN).status_code == 403
    assert device.get(reverse("messaging:tablet_document", args=[request.pk]), **LAN).status_code == 404
    request.refresh_from_db()
    assert request.status == "cancelled"
