import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intramuros.audit.models import AuditEvent
from intramuros.documents import services
from intramuros.documents.models import InboxItem, LetterTemplate, UploadedDocument
from intramuros.documents.tests import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def scan(dr_alice, jeanne_martin):
    return services.document_upload(actor=dr_alice, patient=jeanne_martin, data=samples.png(), name="scan.png",
                                    title="Radio du thorax", document_date=datetime.date(2026, 2, 1),
                                    category="imaging")


def upload(client, patient, data, name="doc.pdf"):
    return client.post(reverse("documents:upload", kwargs={"patient_id": patient.pk}), {
        "file": SimpleUploadedFile(name, data), "title": "Bilan", "document_date": "2026-03-01",
        "category": "lab"})


def test_patient_page_lists_documents_and_letters(alice_client, jeanne_martin, scan):
    response = alice_client.get(reverse("documents:patient_list", kwargs={"patient_id": jeanne_martin.pk}))
    assert response.status_code == 200
    assert "Radio du thorax" in response.content.decode()
    assert AuditEvent.objects.filter(action="patients.document.viewed", patient_id=jeanne_martin.pk).exists()


def test_upload_of_a_real_pdf(alice_client, jeanne_martin):
    response = upload(alice_client, jeanne_martin, samples.small_pdf())
    assert response.status_code == 302
    doc = UploadedDocument.objects.get()
    assert doc.file.content_type == "application/pdf" and doc.title == "Bilan"


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"MZ\x90 executable", "not a PDF, JPEG or PNG"),
])
def test_bad_upload_is_refused_with_a_clear_message(alice_client, jeanne_martin, data, message):
    response = upload(alice_client, jeanne_martin, data, name="result.pdf")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UploadedDocument.objects.exists()


def test_too_large_upload_is_refused(alice_client, jeanne_martin, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 500
    response = upload(alice_client, jeanne_martin, samples.png() + b"\x00" * 600)
    assert response.status_code == 400
    assert "too large" in response.content.decode()


def test_image_is_served_inline_with_its_type_and_audited(alice_client, scan):
    url = reverse("documents:document_content", kwargs={"document_id": scan.pk})
    response = alice_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response.content == samples.png()
    download = alice_client.get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment;")
    actions = set(AuditEvent.objects.filter(patient_id=scan.patient_id).values_list("action", flat=True))
    assert {"patients.document.viewed", "documents.document.opened", "documents.document.downloaded"} <= actions


def test_document_page_embeds_pdf_in_an_iframe(alice_client, dr_alice, jeanne_martin):
    doc = services.document_upload(actor=dr_alice, patient=jeanne_martin, data=samples.small_pdf(), name="cr.pdf",
                                   title="CR", document_date=datetime.date(2026, 1, 1), category="hospital")
    html = alice_client.get(reverse("documents:document", kwargs={"document_id": doc.pk})).content.decode()
    assert "<iframe" in html and reverse("documents:document_content", kwargs={"document_id": doc.pk}) in html


def test_secretary_sees_no_clinical_document(bob_client, jeanne_martin, scan):
    urls = [
        reverse("documents:index"),
        reverse("documents:patient_list", kwargs={"patient_id": jeanne_martin.pk}),
        reverse("documents:document", kwargs={"document_id": scan.pk}),
        reverse("documents:document_content", kwargs={"document_id": scan.pk}),
        reverse("documents:templates"),
    ]
    for url in urls:
        assert bob_client.get(url).status_code in (403, 404), url
    assert upload(bob_client, jeanne_martin, samples.png()).status_code in (403, 404)


def test_letter_workflow_through_the_pages(alice_client, jeanne_martin):
    template = LetterTemplate.objects.get(code="certificate")
    response = alice_client.post(reverse("documents:letter_new", kwargs={"patient_id": jeanne_martin.pk}),
                                 {"template": template.pk})
    assert response.status_code == 302
    letter_url = response["Location"]
    letter_id = int(letter_url.rstrip("/").split("/")[-1])
    preview = alice_client.post(reverse("documents:letter_preview", kwargs={"letter_id": letter_id}),
                                {"body": "<p>unclosed <em>x</p>"}, HTTP_HX_REQUEST="true")
    assert "Broken HTML" in preview.content.decode()
    saved = alice_client.post(letter_url, {"title": "Certificat", "page_size": "A5",
                                           "body": "<p>Certificat revu pour Jeanne.</p>"})
    assert saved.status_code == 302
    printed = alice_client.post(reverse("documents:letter_print", kwargs={"letter_id": letter_id}))
    assert printed.status_code == 302
    page = alice_client.get(printed["Location"])
    assert page.status_code == 200 and "<iframe" in page.content.decode()
    printed_id = int(printed["Location"].rstrip("/").split("/")[-1])
    pdf = alice_client.get(reverse("documents:printed_pdf", kwargs={"printed_id": printed_id}))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    refused = alice_client.post(letter_url, {"title": "Changed", "page_size": "A4", "body": "<p>changed</p>"})
    assert refused.status_code == 400 or "can no longer be changed" in refused.content.decode()


def test_template_admin_refuses_unknown_placeholder_and_keeps_the_text(alice_client):
    body = "<p>Bonjour {{ patient.prenom }}</p>"
    response = alice_client.post(reverse("documents:template_new"), {
        "name": "Essai", "kind": "letter", "page_size": "A4", "title": "", "body": body, "css": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "patient.prenom" in html
    assert "Bonjour {{ patient.prenom }}" in html  # nothing lost: the form shows the text typed
    assert not LetterTemplate.objects.filter(name="Essai").exists()


def test_template_preview_uses_a_fictitious_patient(alice_client):
    response = alice_client.post(reverse("documents:template_preview"),
                                 {"title": "", "body": "<p>{{ patient.name }}</p>", "css": ""},
                                 HTTP_HX_REQUEST="true")
    assert "Jeanne MARTIN" in response.content.decode()


def test_templates_admin_is_for_administrators(charlie_client):
    assert charlie_client.get(reverse("documents:templates")).status_code == 403


def test_filing_a_scan_from_the_inbox_page(alice_client, jeanne_martin):
    item = services.inbox_receive(data=samples.png(), name="scan-7.png")
    page = alice_client.get(reverse("documents:inbox_item", kwargs={"item_id": item.pk}))
    assert page.status_code == 200
    missing = alice_client.post(reverse("documents:inbox_item", kwargs={"item_id": item.pk}), {
        "title": "Courrier", "document_date": "2026-01-02", "category": "letter"})
    assert missing.status_code == 400 and "Choose the patient" in missing.content.decode()
    picker = alice_client.get(reverse("documents:patient_picker"), {"q": "martin"})
    assert f'value="{jeanne_martin.pk}"' in picker.content.decode()
    response = alice_client.post(reverse("documents:inbox_item", kwargs={"item_id": item.pk}), {
        "patient_id": jeanne_martin.pk, "title": "Courrier", "document_date": "2026-01-02", "category": "letter"})
    assert response.status_code == 302
    assert UploadedDocument.objects.get().patient == jeanne_martin
    assert not InboxItem.objects.filter(filed_as__isnull=True).exists()


def test_timeline_lists_documents_and_letters(dr_alice, bob_secretary, jeanne_martin, scan):
    from intramuros.documents.timeline import entries

    def timeline_for(*, patient, user):
        return list(entries(patient=patient, user=user))

    template = LetterTemplate.objects.get(code="referral")
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=template)
    services.letter_print(actor=dr_alice, letter=letter)
    kinds = [(e.kind, e.title) for e in timeline_for(patient=jeanne_martin, user=dr_alice)]
    assert ("document", "Radio du thorax") in kinds
    assert ("letter", letter.title) in kinds
    assert not [e for e in timeline_for(patient=jeanne_martin, user=bob_secretary) if e.kind in ("document", "letter")]


def test_home_block_counts_scans_to_file(dr_alice, rf):
    from django.template.loader import render_to_string

    services.inbox_receive(data=samples.png(), name="a.png")
    services.inbox_receive(data=samples.png(), name="b.png")
    assert "2 scans to file" in render_to_string("documents/home_block.html", {"user": dr_alice})


def test_every_page_renders(alice_client, dr_alice, jeanne_martin, scan):
    template = LetterTemplate.objects.get(code="sick-note")
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=template)
    printed = services.letter_print(actor=dr_alice, letter=letter)
    duplicate = services.printed_document_reprint(actor=dr_alice, printed=printed)
    services.inbox_receive(data=samples.small_pdf(), name="scan.pdf")
    pages = [
        reverse("documents:index"),
        reverse("documents:document", kwargs={"document_id": scan.pk}),
        reverse("documents:letter", kwargs={"letter_id": letter.pk}),
        reverse("documents:printed", kwargs={"printed_id": duplicate.pk}),
        reverse("documents:templates"),
        reverse("documents:template_edit", kwargs={"template_id": template.pk}),
        reverse("documents:letterhead"),
        reverse("documents:letterhead_practitioner", kwargs={"user_id": dr_alice.pk}),
    ]
    for url in pages:
        response = alice_client.get(url)
        assert response.status_code == 200, url
    sample = alice_client.get(reverse("documents:letterhead_sample"))
    assert sample["Content-Type"] == "application/pdf" and sample.content.startswith(b"%PDF-")


def test_letterhead_form_saves_a_logo_and_refuses_a_fake_one(alice_client):
    from intramuros.documents.models import Letterhead

    url = reverse("documents:letterhead")
    bad = alice_client.post(url, {"name": "Cabinet", "logo": SimpleUploadedFile("logo.png", b"not an image")})
    assert bad.status_code == 400 and "not a PDF, JPEG or PNG" in bad.content.decode()
    assert not Letterhead.objects.exists()
    good = alice_client.post(url, {"name": "Cabinet", "address": "1 rue X",
                                   "logo": SimpleUploadedFile("logo.png", samples.png())})
    assert good.status_code == 302
    assert Letterhead.objects.get().logo.content_type == "image/png"


def test_document_metadata_edit_and_removal(alice_client, scan):
    url = reverse("documents:document_edit", kwargs={"document_id": scan.pk})
    assert alice_client.post(url, {"title": "Radio thorax face", "document_date": "2026-02-02",
                                   "category": "imaging"}).status_code == 302
    scan.refresh_from_db()
    assert scan.title == "Radio thorax face"
    assert alice_client.post(reverse("documents:document_delete", kwargs={"document_id": scan.pk})).status_code == 302
    assert not UploadedDocument.objects.filter(pk=scan.pk).exists()
    assert UploadedDocument.all_objects.filter(pk=scan.pk).exists()  # a flag only
