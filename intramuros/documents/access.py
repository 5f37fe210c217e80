"""Access gates of the documents app: every read of a patient's document goes through the patient gate."""

from __future__ import annotations

from django.http import Http404

from intramuros import audit
from intramuros.accounts.access import require
from intramuros.documents.models import InboxItem, Letter, PrintedDocument, UploadedDocument
from intramuros.patients.access import patient_for_user


def _get(model, pk, *, manager=None):
    manager = manager or model.objects
    try:
        return manager.select_related("patient").get(pk=int(pk))
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def document_for_user(user, document_id, *, action: str = "viewed") -> UploadedDocument:
    """An uploaded document, if `user` may read the patient's documents; logs the read (404 otherwise)."""
    document = _get(UploadedDocument, document_id)
    patient_for_user(user, document.patient_id, part="document")
    audit.record(actor=user, action=f"documents.document.{action}", target=document, patient=document.patient_id)
    return document


def letter_for_user(user, letter_id) -> Letter:
    letter = _get(Letter, letter_id)
    patient_for_user(user, letter.patient_id, part="document")
    audit.record(actor=user, action="documents.letter.viewed", target=letter, patient=letter.patient_id)
    return letter


def printed_for_user(user, printed_id, *, action: str = "viewed") -> PrintedDocument:
    printed = _get(PrintedDocument, printed_id)
    patient_for_user(user, printed.patient_id, part="document")
    audit.record(actor=user, action=f"documents.printed.{action}", target=printed, patient=printed.patient_id)
    return printed


def inbox_item_for_user(user, item_id, *, action: str = "viewed") -> InboxItem:
    """An unfiled scan: it may concern any patient, so only those who file documents may open it."""
    require(user, "documents.edit")
    try:
        item = InboxItem.objects.select_related("file").get(pk=int(item_id), filed_as__isnull=True)
    except (InboxItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    audit.record(actor=user, action=f"documents.inbox.{action}", target=item)
    return item
