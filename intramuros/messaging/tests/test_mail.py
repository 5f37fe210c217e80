"""Documents sent by e-mail through a real SMTP server on loopback (aiosmtpd)."""

import email
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from django.urls import reverse

from intramuros.audit.models import AuditEvent
from intramuros.messaging import mail
from intramuros.messaging.models import MailStatus, OutgoingMail

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Collector:
    def __init__(self, refuse=False):
        self.messages, self.refuse = [], refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _smtp(port, timeout=5):
    return override_settings(SMTP_HOST="127.0.0.1", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_USE_TLS=False,
                             EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="", EMAIL_TIMEOUT=timeout,
                             EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")


@pytest.fixture
def smtp_server():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def printed(dr_alice, jeanne_martin):
    from intramuros.documents.services import printed_document_create

    return printed_document_create(actor=dr_alice, patient=jeanne_martin, kind="letter", title="Lettre au cardiologue",
                                   pdf=PDF)


@pytest.fixture
def cardiologist(jeanne_martin):
    from intramuros.patients.models import Correspondent, PatientCorrespondent

    doc = Correspondent.objects.create(title="Dr", last_name="Coeur", first_name="Paul", specialty="Cardiologie",
                                       mssante_email="paul.coeur@cardio.mssante.fr")
    PatientCorrespondent.objects.create(patient=jeanne_martin, correspondent=doc, role="specialist")
    return doc


def test_letter_reaches_the_correspondents_preferred_address(client, dr_alice, printed, cardiologist,
                                                             smtp_server, django_capture_on_commit_callbacks):
    controller, handler = smtp_server
    client.force_login(dr_alice)
    with _smtp(controller.port), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:mail_printed", args=[printed.pk]), {
            "correspondent": str(cardiologist.pk), "subject": "Mme Martin", "body": "Cher confrère,"})
    assert response.status_code == 302
    sent = OutgoingMail.objects.get()
    assert sent.status == MailStatus.SENT and sent.to_address == "paul.coeur@cardio.mssante.fr"
    assert handler.messages[0].rcpt_tos == ["paul.coeur@cardio.mssante.fr"]
    parsed = email.message_from_bytes(handler.messages[0].content)
    attachments = [p for p in parsed.walk() if p.get_content_type() == "application/pdf"]
    assert attachments and attachments[0].get_payload(decode=True) == PDF
    assert AuditEvent.objects.filter(action="messaging.mail.sent", patient_id=printed.patient_id).exists()
    history = client.get(reverse("messaging:patient_messages", args=[printed.patient_id])).content.decode()
    assert "paul.coeur@cardio.mssante.fr" in history


def test_refusal_is_recorded_with_the_servers_answer_and_can_be_retried(dr_alice, printed,
                                                                        django_capture_on_commit_callbacks):
    handler = Collector(refuse=True)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        with _smtp(controller.port), django_capture_on_commit_callbacks(execute=True):
            queued = mail.mail_queue(actor=dr_alice, to="nobody@example.org", subject="x", patient=printed.patient,
                                     printed_documents=[printed])
        with _smtp(controller.port):
            queued.refresh_from_db()
            assert queued.status == MailStatus.FAILED
            assert "550" in queued.server_answer and "mailbox unavailable" in queued.server_answer
            handler.refuse = False
            retried = mail.mail_deliver(queued.pk)
            assert retried.status == MailStatus.SENT and retried.attempts == 2
    finally:
        controller.stop()


def test_server_that_never_answers_times_out_with_a_message(dr_alice, printed,
                                                           django_capture_on_commit_callbacks):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True)
    thread.start()
    try:
        with _smtp(silent.getsockname()[1], timeout=1), django_capture_on_commit_callbacks(execute=True):
            queued = mail.mail_queue(actor=dr_alice, to="a@example.org", subject="x", patient=printed.patient,
                                     printed_documents=[printed])
        queued.refresh_from_db()
        assert queued.status == MailStatus.FAILED
        assert queued.server_answer
    finally:
        silent.close()


def test_nothing_is_sent_without_a_configured_server(dr_alice, printed):
    with override_settings(SMTP_HOST="", EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        with pytest.raises(mail.MailNotConfigured):
            mail.mail_queue(actor=dr_alice, to="a@example.org", subject="x", printed_documents=[printed])
    assert not OutgoingMail.objects.exists()


def test_bad_address_is_refused(dr_alice, printed, smtp_server):
    from django.core.exceptions import ValidationError

    with _smtp(smtp_server[0].port), pytest.raises(ValidationError):
        mail.mail_queue(actor=dr_alice, to="not an address", subject="x", printed_documents=[printed])


def test_secretary_cannot_send_clinical_documents(client, bob_secretary, printed):
    client.force_login(bob_secretary)
    assert client.get(reverse("messaging:mail_printed", args=[printed.pk])).status_code == 403
