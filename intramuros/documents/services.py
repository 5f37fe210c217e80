"""Every write of the documents app: letterheads, templates, letters, prints, uploads, the drop-folder inbox."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.core.models import Practice
from intramuros.documents.models import (
    InboxItem,
    Letter,
    Letterhead,
    LetterTemplate,
    PrintedDocument,
    UploadedDocument,
)
from intramuros.documents.pdf import pdf_mark_duplicate, render_pdf
from intramuros.documents.placeholders import sample_values, values_for
from intramuros.documents.sandbox import (
    TemplateProblem,
    check_css,
    check_letter_html,
    compile_template,
    render_letter,
)
from intramuros.documents.storage import read_bytes, store_bytes
from intramuros.documents.uploads import UploadRefused, check_content

log = logging.getLogger(__name__)
LOGO_MAX_BYTES = 2 * 1024 * 1024


# --- letterheads ------------------------------------------------------------------------------------------

@transaction.atomic
def letterhead_save(*, actor, practitioner=None, name: str = "", address: str = "", phone: str = "",
                    email: str = "", extra: str = "", footer: str = "", logo: bytes | None = None,
                    remove_logo: bool = False) -> Letterhead:
    """Create or update the practice's letterhead (practitioner None) or a practitioner's own."""
    if practitioner is None:
        letterhead = Letterhead.objects.filter(practitioner__isnull=True).order_by("pk").first() or Letterhead()
    else:
        letterhead = Letterhead.objects.filter(practitioner=practitioner).first() or Letterhead(
            practitioner=practitioner)
    letterhead.name, letterhead.address, letterhead.phone = name.strip(), address.strip(), phone.strip()
    letterhead.email, letterhead.extra, letterhead.footer = email.strip(), extra.strip(), footer.strip()
    if logo:
        if len(logo) > LOGO_MAX_BYTES:
            raise ValidationError(_("The logo is too large (at most 2 MB): use a smaller PNG or JPEG image."))
        try:
            content_type = check_content(logo, name=_("The logo"))
        except UploadRefused as exc:
            raise ValidationError(str(exc)) from None
        if not content_type.startswith("image/"):
            raise ValidationError(_("The logo must be a PNG or JPEG image."))
        letterhead.logo = store_bytes(logo, kind="logo", content_type=content_type)
    elif remove_logo:
        letterhead.logo = None
    letterhead.save()
    audit.record(actor=actor, action="documents.letterhead.saved", target=letterhead,
                 practitioner=getattr(practitioner, "pk", None))
    return letterhead


# --- letter templates -------------------------------------------------------------------------------------

def letter_template_check(*, title: str, body: str, css: str) -> str:
    """Raise TemplateProblem if the template cannot be used; return the sample rendering (for the preview)."""
    values = sample_values()
    check_css(css)
    compile_template(title, schema=values)
    if "<" in title:
        raise TemplateProblem(_("The document title must be plain text, without HTML tags."))
    if not body.strip():
        raise TemplateProblem(_("The body is empty: write the text of the letter."))
    return render_letter(body, values)


@transaction.atomic
def letter_template_save(*, actor, template: LetterTemplate | None = None, name: str, kind: str, title: str,
                         body: str, css: str = "", page_size: str = "A4") -> LetterTemplate:
    """Validate (placeholders, HTML, CSS) then save; on any problem nothing is saved (TemplateProblem)."""
    letter_template_check(title=title, body=body, css=css)
    creating = template is None
    template = template or LetterTemplate()
    template.name, template.kind, template.title = name.strip(), kind, title.strip()
    template.body, template.css, template.page_size = body, css, page_size
    template.save()
    audit.record(actor=actor, action="documents.template.created" if creating else "documents.template.updated",
                 target=template, name=template.name)
    return template


@transaction.atomic
def letter_template_delete(*, actor, template: LetterTemplate) -> None:
    template.soft_delete(by=actor)
    audit.record(actor=actor, action="documents.template.deleted", target=template, name=template.name)


# --- letters ----------------------------------------------------------------------------------------------

@transaction.atomic
def letter_create(*, author, patient, template: LetterTemplate, consultation=None) -> Letter:
    """A new draft letter for `patient`, its placeholders filled from the patient's file."""
    # Letters are written in the practice's language, whatever the language of the screen of their author.
    with translation.override(settings.LANGUAGE_CODE):
        values = values_for(patient=patient, practitioner=author, practice=Practice.current(),
                            consultation=consultation)
        body = render_letter(template.body, values)
        title = strip_tags(render_letter(template.title, values)).strip() if template.title else template.name
    letter = Letter.objects.create(patient=patient, author=author, template=template, kind=template.kind,
                                   title=title[:200] or template.name, body=body, css=template.css,
                                   page_size=template.page_size)
    audit.record(actor=author, action="documents.letter.created", target=letter, patient=patient,
                 template=template.pk)
    return letter


def _refuse_if_printed(letter: Letter) -> None:
    if letter.is_printed:
        raise ValidationError(
            _("This letter was printed on %(date)s and can no longer be changed: make a new version of it instead.")
            % {"date": timezone.localtime(letter.printed_at).strftime("%d/%m/%Y %H:%M")}
        )


@transaction.atomic
def letter_update(*, actor, letter: Letter, title: str, body: str, page_size: str | None = None) -> Letter:
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    _refuse_if_printed(letter)
    if not title.strip():
        raise ValidationError(_("Give the letter a title."))
    letter.body = check_letter_html(body)
    letter.title = title.strip()[:200]
    if page_size:
        letter.page_size = page_size
    letter.save()
    audit.record(actor=actor, action="documents.letter.updated", target=letter, patient=letter.patient_id)
    return letter


@transaction.atomic
def letter_new_version(*, actor, letter: Letter) -> Letter:
    """A new draft copied from a (printed) letter: the printed one stays as it was."""
    copy = Letter.objects.create(patient=letter.patient, author=actor, template=letter.template, kind=letter.kind,
                                 title=letter.title, body=letter.body, css=letter.css, page_size=letter.page_size)
    audit.record(actor=actor, action="documents.letter.created", target=copy, patient=letter.patient_id,
                 copied_from=letter.pk)
    return copy


@transaction.atomic
def letter_delete(*, actor, letter: Letter) -> None:
    _refuse_if_printed(letter)
    letter.soft_delete(by=actor)
    audit.record(actor=actor, action="documents.letter.deleted", target=letter, patient=letter.patient_id)


def letter_pdf(letter: Letter, *, duplicate: bool = False) -> bytes:
    return render_pdf(template_name="documents/pdf/letter.html", context={
        "practitioner": letter.author, "body_html": letter.body, "css": letter.css, "page_size": letter.page_size,
        "document_title": letter.title, "duplicate": duplicate, "patient": letter.patient,
    })


@transaction.atomic
def printed_document_create(*, actor, patient, kind: str, title: str, pdf: bytes, letter: Letter | None = None,
                            duplicate_of: PrintedDocument | None = None) -> PrintedDocument:
    """Keep exactly what is handed to the printer (for letters here; usable by any app printing for a patient)."""
    if not pdf.startswith(b"%PDF-"):
        raise ValueError("printed_document_create takes the PDF bytes")
    stored = store_bytes(pdf, kind="printed", content_type="application/pdf")
    return PrintedDocument.objects.create(patient=patient, letter=letter, kind=kind, title=title[:200],
                                          file=stored, sha256=stored.sha256, duplicate_of=duplicate_of,
                                          printed_by=actor)


@transaction.atomic
def letter_print(*, actor, letter: Letter) -> PrintedDocument:
    """Print a letter: the first print is the original and freezes the letter; later ones are duplicates."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.is_printed:
        original = letter.prints.filter(duplicate_of__isnull=True).order_by("pk").first()
        if original:
            return printed_document_reprint(actor=actor, printed=original)
    check_letter_html(letter.body)
    printed = printed_document_create(actor=actor, patient=letter.patient, kind=letter.kind, title=letter.title,
                                      pdf=letter_pdf(letter), letter=letter)
    letter.printed_at = printed.printed_at
    letter.save(update_fields=["printed_at", "updated_at"])
    audit.record(actor=actor, action="documents.letter.printed", target=printed, patient=letter.patient_id,
                 letter=letter.pk, sha256=printed.sha256, duplicate=False)
    return printed


@transaction.atomic
def printed_document_reprint(*, actor, printed: PrintedDocument) -> PrintedDocument:
    """A duplicate: the original's exact bytes with "DUPLICATE" stamped on every page, kept as its own print."""
    original = printed.duplicate_of or printed
    pdf = pdf_mark_duplicate(read_bytes(original.file))
    duplicate = printed_document_create(actor=actor, patient=original.patient, kind=original.kind,
                                        title=original.title, pdf=pdf, letter=original.letter,
                                        duplicate_of=original)
    audit.record(actor=actor, action="documents.letter.printed", target=duplicate, patient=original.patient_id,
                 letter=original.letter_id, sha256=duplicate.sha256, duplicate=True, original=original.pk)
    return duplicate


# --- uploaded documents -----------------------------------------------------------------------------------

@transaction.atomic
def document_upload(*, actor, patient, data: bytes, name: str, title: str, document_date: datetime.date,
                    category: str) -> UploadedDocument:
    """Check the file by its content (UploadRefused says why not), store it encrypted, attach it to the patient."""
    content_type = check_content(data, name=name)
    stored = store_bytes(data, kind="upload", content_type=content_type, original_name=name)
    document = UploadedDocument.objects.create(patient=patient, file=stored, title=title.strip()[:200] or name,
                                               document_date=document_date, category=category, added_by=actor)
    audit.record(actor=actor, action="documents.document.uploaded", target=document, patient=patient,
                 sha256=stored.sha256, size=stored.size, content_type=content_type)
    return document


@transaction.atomic
def document_update(*, actor, document: UploadedDocument, title: str, document_date: datetime.date,
                    category: str) -> UploadedDocument:
    document.title, document.document_date, document.category = title.strip()[:200], document_date, category
    document.save()
    audit.record(actor=actor, action="documents.document.updated", target=document, patient=document.patient_id)
    return document


@transaction.atomic
def document_delete(*, actor, document: UploadedDocument) -> None:
    """A flag only: the encrypted file stays, and an administrator can restore the document."""
    document.soft_delete(by=actor)
    audit.record(actor=actor, action="documents.document.deleted", target=document, patient=document.patient_id)


# --- drop-folder inbox ------------------------------------------------------------------------------------

@transaction.atomic
def inbox_receive(*, data: bytes, name: str) -> InboxItem:
    """A file from the drop folder into the encrypted unfiled inbox (UploadRefused when not acceptable)."""
    content_type = check_content(data, name=name)
    stored = store_bytes(data, kind="inbox", content_type=content_type, original_name=name)
    item = InboxItem.objects.create(file=stored, original_name=name[:255])
    audit.record(actor=None, action="documents.inbox.received", target=item, name=name, sha256=stored.sha256)
    return item


@transaction.atomic
def inbox_file(*, actor, item: InboxItem, patient, title: str, document_date: datetime.date,
               category: str) -> UploadedDocument:
    """File an unfiled scan into a patient's record (the same encrypted file, now attached to the patient)."""
    item = InboxItem.objects.select_for_update().get(pk=item.pk)
    if item.filed_as_id or item.is_deleted:
        raise ValidationError(_("This document has already been filed or discarded by someone else."))
    document = UploadedDocument.objects.create(patient=patient, file=item.file,
                                               title=title.strip()[:200] or item.original_name,
                                               document_date=document_date, category=category, added_by=actor)
    item.filed_as, item.filed_at, item.filed_by = document, timezone.now(), actor
    item.save(update_fields=["filed_as", "filed_at", "filed_by"])
    audit.record(actor=actor, action="documents.inbox.filed", target=document, patient=patient, inbox_item=item.pk)
    return document


@transaction.atomic
def inbox_discard(*, actor, item: InboxItem) -> None:
    """Set aside a scan that belongs to no patient (a blank page...); a flag only, the file is kept."""
    if item.filed_as_id:
        raise ValidationError(_("This document has already been filed into a patient's record."))
    item.soft_delete(by=actor)
    audit.record(actor=actor, action="documents.inbox.discarded", target=item, name=item.original_name)
