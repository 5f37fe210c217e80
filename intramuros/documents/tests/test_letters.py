import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from intramuros.audit.models import AuditEvent
from intramuros.documents import services
from intramuros.documents.models import Letter, LetterTemplate, PrintedDocument
from intramuros.documents.sandbox import TemplateProblem
from intramuros.documents.storage import read_bytes

pytestmark = pytest.mark.django_db


def pdf_text(data):
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def referral():
    return LetterTemplate.objects.get(code="referral")


def test_shipped_templates_are_installed_and_valid():
    codes = set(LetterTemplate.objects.values_list("code", flat=True))
    assert {"referral", "certificate", "sports-certificate", "sick-note"} <= codes
    for template in LetterTemplate.objects.all():
        services.letter_template_check(title=template.title, body=template.body, css=template.css)


def test_letter_from_template_fills_the_patients_data(dr_alice, jeanne_martin, referral):
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
    assert "Jeanne MARTIN" in letter.body
    assert "14/03/1975" in letter.body
    assert letter.title == "Lettre d'adressage – Jeanne MARTIN"
    assert AuditEvent.objects.filter(action="documents.letter.created", patient_id=jeanne_martin.pk).exists()


def test_consultation_values_are_used_when_given(dr_alice, jeanne_martin, referral):
    import datetime

    class Consultation:  # the clinical app's model is read by attribute name only
        at = datetime.datetime(2026, 1, 5, 10, 30)
        reason = "Toux persistante"
        history_notes = "Depuis deux mois, sans fièvre."
        conclusion = "Avis pneumologique souhaité"

    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral,
                                    consultation=Consultation())
    assert "Avis pneumologique souhaité" in letter.body
    assert "Depuis deux mois" in letter.body


def test_edited_letter_is_checked_and_nothing_saved_when_broken(dr_alice, jeanne_martin, referral):
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
    with pytest.raises(TemplateProblem, match="<strong>"):
        services.letter_update(actor=dr_alice, letter=letter, title="X", body="<p>a <strong>b</p>")
    letter.refresh_from_db()
    assert "Jeanne MARTIN" in letter.body and letter.title != "X"
    services.letter_update(actor=dr_alice, letter=letter, title="Adressage", body="<p>Cher confrère, texte revu.</p>")
    letter.refresh_from_db()
    assert letter.body == "<p>Cher confrère, texte revu.</p>"


def test_printing_keeps_the_pdf_encrypted_and_freezes_the_letter(dr_alice, jeanne_martin, referral):
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
    printed = services.letter_print(actor=dr_alice, letter=letter)
    data = read_bytes(printed.file)
    assert data.startswith(b"%PDF-")
    assert "Jeanne MARTIN" in pdf_text(data)
    assert printed.sha256 == printed.file.sha256
    letter.refresh_from_db()
    assert letter.is_printed
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.letter_update(actor=dr_alice, letter=letter, title="Changed", body="<p>new</p>")
    event = AuditEvent.objects.get(action="documents.letter.printed")
    assert event.patient_id == jeanne_martin.pk and event.detail["duplicate"] is False


def test_printed_document_can_never_be_changed_or_deleted(dr_alice, jeanne_martin, referral):
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
    printed = services.letter_print(actor=dr_alice, letter=letter)
    printed.title = "forged"
    with pytest.raises(ValidationError):
        printed.save()
    with pytest.raises(ValidationError):
        printed.delete()
    with pytest.raises(ValidationError):
        PrintedDocument.objects.filter(pk=printed.pk).update(title="forged")
    with pytest.raises(ValidationError):
        PrintedDocument.objects.filter(pk=printed.pk).delete()
    assert PrintedDocument.objects.get(pk=printed.pk).title == letter.title


def test_reprint_is_a_stamped_duplicate_of_the_exact_original(dr_alice, dr_charlie, jeanne_martin, referral):
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
    original = services.letter_print(actor=dr_alice, letter=letter)
    original_bytes = read_bytes(original.file)
    duplicate = services.letter_print(actor=dr_charlie, letter=letter)  # printing again = a duplicate
    assert duplicate.duplicate_of == original
    text = pdf_text(read_bytes(duplicate.file))
    assert "DUPLICA" in text.upper() and "Jeanne MARTIN" in text
    assert read_bytes(original.file) == original_bytes
    again = services.printed_document_reprint(actor=dr_alice, printed=duplicate)
    assert again.duplicate_of == original  # a duplicate of a duplicate is a duplicate of the original
    assert AuditEvent.objects.filter(action="documents.letter.printed", detail__duplicate=True).count() == 2


def test_new_version_of_a_printed_letter_is_a_new_draft(dr_alice, jeanne_martin, referral):
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
    services.letter_print(actor=dr_alice, letter=letter)
    copy = services.letter_new_version(actor=dr_alice, letter=letter)
    assert not copy.is_printed and copy.body == letter.body and copy.pk != letter.pk


def test_template_with_unknown_placeholder_is_not_saved(dr_alice):
    count = LetterTemplate.objects.count()
    with pytest.raises(TemplateProblem, match=r"patient\.adress"):
        services.letter_template_save(actor=dr_alice, name="Bad", kind="letter", title="",
                                      body="<p>{{ patient.adress }}</p>")
    with pytest.raises(TemplateProblem, match="never closed"):
        services.letter_template_save(actor=dr_alice, name="Bad", kind="letter", title="", body="<div><p>x</p>")
    with pytest.raises(TemplateProblem, match="CSS"):
        services.letter_template_save(actor=dr_alice, name="Bad", kind="letter", title="", body="<p>x</p>",
                                      css="</style><script>x</script>")
    assert LetterTemplate.objects.count() == count


def test_template_update_keeps_history(dr_alice, referral):
    services.letter_template_save(actor=dr_alice, template=referral, name="Adressage", kind="letter",
                                  title="Adressage", body="<p>{{ patient.name }}</p>")
    referral.refresh_from_db()
    assert referral.name == "Adressage"
    assert referral.history.first().name == "Adressage"


def test_letterhead_logo_and_practitioner_override(dr_alice, practice):
    from intramuros.documents.letterheads import letterhead_for
    from intramuros.documents.tests import samples

    services.letterhead_save(actor=dr_alice, name="Cabinet des Tilleuls", address="12 rue des Tilleuls",
                             phone="03 00 00 00 00", footer="Urgences : 15", logo=samples.png())
    services.letterhead_save(actor=dr_alice, practitioner=dr_alice, phone="06 11 22 33 44")
    values = letterhead_for(dr_alice)
    assert values["phone"] == "06 11 22 33 44"  # the practitioner's own
    assert values["footer"] == "Urgences : 15"  # the practice's
    assert values["logo"].startswith("data:image/png;base64,")
    assert values["practitioner"]["rpps"] == "10001234567"
    with pytest.raises(ValidationError, match="not a PDF, JPEG or PNG"):
        services.letterhead_save(actor=dr_alice, logo=b"GIF89a not accepted")


def test_a_letterhead_change_shows_on_the_next_document(dr_alice, practice):
    """letterhead_for keeps the rows per process (rowcache): a save must be seen at once, here and elsewhere."""
    from intramuros.documents.letterheads import letterhead_for

    services.letterhead_save(actor=dr_alice, name="Cabinet des Tilleuls", footer="Urgences : 15")
    assert letterhead_for(dr_alice)["footer"] == "Urgences : 15"
    services.letterhead_save(actor=dr_alice, name="Cabinet des Tilleuls", footer="Urgences : 112")
    assert letterhead_for(dr_alice)["footer"] == "Urgences : 112"
    services.letterhead_save(actor=dr_alice, practitioner=dr_alice, footer="Sur rendez-vous")
    assert letterhead_for(dr_alice)["footer"] == "Sur rendez-vous"
    assert letterhead_for(None)["footer"] == "Urgences : 112"
    dr_alice.phone = "06 99 99 99 99"  # the practitioner's own details are read afresh, never kept
    assert letterhead_for(dr_alice)["practitioner"]["phone"] == "06 99 99 99 99"


def test_draft_can_be_deleted_but_not_a_printed_letter(dr_alice, jeanne_martin, referral):
    draft = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
    services.letter_delete(actor=dr_alice, letter=draft)
    assert not Letter.objects.filter(pk=draft.pk).exists()
    printed = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
    services.letter_print(actor=dr_alice, letter=printed)
    printed.refresh_from_db()
    with pytest.raises(ValidationError):
        services.letter_delete(actor=dr_alice, letter=printed)


def test_letters_are_written_in_the_practices_language(dr_alice, jeanne_martin, referral, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "fr"
    with translation.override("en"):  # the author's screen is in English
        letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=referral)
        services.letter_print(actor=dr_alice, letter=letter)
        duplicate = services.letter_print(actor=dr_alice, letter=letter)
    assert "Madame Jeanne MARTIN" in letter.body
    assert "DUPLICATA" in pdf_text(read_bytes(duplicate.file))
