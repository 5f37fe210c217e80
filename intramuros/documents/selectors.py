"""Reads of the documents app."""

from __future__ import annotations

from django.apps import apps

from intramuros.documents.models import InboxItem, Letter, LetterTemplate, PrintedDocument, UploadedDocument


def documents_of_patient(*, patient):
    return UploadedDocument.objects.filter(patient=patient).select_related("file", "added_by")


def letters_of_patient(*, patient):
    return Letter.objects.filter(patient=patient).select_related("author").prefetch_related("prints")


def prints_of_patient(*, patient, kinds=None):
    prints = PrintedDocument.objects.filter(patient=patient).select_related("printed_by", "letter")
    return prints.filter(kind__in=kinds) if kinds else prints


def unfiled_inbox():
    return InboxItem.objects.filter(filed_as__isnull=True).select_related("file")


def active_templates():
    return LetterTemplate.objects.all()


def recent_consultations(*, patient, limit: int = 10) -> list:
    """The patient's latest consultations, to fill {{ consultation.* }} in a letter (none if no clinical app)."""
    try:
        model = apps.get_model("clinical", "Consultation")
    except LookupError:
        return []
    order = "-at" if any(f.name == "at" for f in model._meta.fields) else "-pk"
    return list(model.objects.filter(patient=patient).order_by(order)[:limit])
