"""The documents app's entries in the patient timeline: uploaded documents, letters and prints."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros.accounts.access import has_capability
from intramuros.core.timeline import TimelineEntry
from intramuros.documents.models import Letter, PrintedDocument, UploadedDocument


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def entries(*, patient, user):
    if not has_capability(user, "documents.view"):
        return
    for doc in UploadedDocument.objects.filter(patient=patient).select_related("added_by"):
        yield TimelineEntry(at=_at(doc.document_date), kind="document", title=doc.title,
                            url=reverse("documents:document", args=[doc.pk]), detail=doc.get_category_display(),
                            author=str(doc.added_by))
    for letter in Letter.objects.filter(patient=patient, printed_at__isnull=True).select_related("author"):
        yield TimelineEntry(at=letter.created_at, kind="letter", title=letter.title,
                            url=reverse("documents:letter", args=[letter.pk]), detail=_("draft"),
                            author=str(letter.author))
    # Prints of other apps (prescriptions...) appear through those apps' own timelines.
    # Duplicates are listed on the print's own page, not as separate events.
    prints = PrintedDocument.objects.filter(patient=patient, letter__isnull=False, duplicate_of__isnull=True)
    for printed in prints.select_related("printed_by"):
        yield TimelineEntry(at=printed.printed_at, kind="letter", title=printed.title,
                            url=reverse("documents:printed", args=[printed.pk]), detail=_("printed"),
                            author=str(printed.printed_by))
