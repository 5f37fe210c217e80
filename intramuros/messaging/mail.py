"""Sending documents by e-mail through the SMTP server the practice configured, and nowhere else.

A mail is first recorded (queued), then delivered by a background job; the server's answer,
success or refusal, is kept on the record and shown in the patient file.
"""

from __future__ import annotations

import smtplib
import socket

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from intramuros import audit
from intramuros.messaging.models import MailStatus, OutgoingMail


class MailNotConfigured(Exception):
    pass


def mail_is_configured() -> bool:
    return bool(settings.SMTP_HOST) or settings.EMAIL_BACKEND.endswith("locmem.EmailBackend")


def _safe_filename(title: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in " -_" else "_" for c in title).strip() or "document"
    return f"{cleaned[:80]}.pdf"


@transaction.atomic
def mail_queue(*, actor, to: str, subject: str, body: str = "", patient=None, correspondent=None,
               printed_documents=()) -> OutgoingMail:
    """Record a mail and queue its delivery. Refused when the practice has configured no mail server."""
    if not mail_is_configured():
        raise MailNotConfigured(_("No mail server is configured: set INTRAMUROS_SMTP_HOST (the practice's own "
                                  "server or its provider's) before sending documents by e-mail."))
    to = to.strip()
    try:
        validate_email(to)
    except ValidationError:
        raise ValidationError(_("%(address)s is not a valid e-mail address.") % {"address": to}) from None
    mail = OutgoingMail.objects.create(sent_by=actor, patient=patient, correspondent=correspondent, to_address=to,
                                       subject=subject.replace("\n", " ").strip()[:200], body=body)
    mail.printed_documents.set(printed_documents)
    audit.record(actor=actor, action="messaging.mail.queued", target=mail, patient=patient,
                 documents=[d.pk for d in printed_documents])
    transaction.on_commit(lambda: mail_deliver_task.enqueue(mail.pk))
    return mail


def _describe_failure(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                         for addr, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {message}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return _("The mail server did not answer in time.")
    return f"{type(exc).__name__}: {exc}"


def mail_deliver(mail_id: int) -> OutgoingMail:
    """Send one queued mail now; record the server's answer either way."""
    from intramuros.documents.storage import read_bytes

    mail = OutgoingMail.objects.select_related("sent_by").get(pk=mail_id)
    if mail.status == MailStatus.SENT:
        return mail
    message = EmailMessage(subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL,
                           to=[mail.to_address])
    for printed in mail.printed_documents.select_related("file"):
        message.attach(_safe_filename(printed.title), read_bytes(printed.file), "application/pdf")
    mail.attempts += 1
    try:
        with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
            connection.send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:
        mail.status, mail.server_answer = MailStatus.FAILED, _describe_failure(exc)[:2000]
    else:
        mail.status, mail.sent_at = MailStatus.SENT, timezone.now()
        mail.server_answer = "250 OK"
    mail.save(update_fields=["status", "server_answer", "attempts", "sent_at", "updated_at"])
    audit.record(actor=mail.sent_by, action=f"messaging.mail.{mail.status}", target=mail, patient=mail.patient_id,
                 answer=mail.server_answer[:200])
    return mail


@task()
def mail_deliver_task(mail_id: int) -> None:
    mail_deliver(mail_id)
