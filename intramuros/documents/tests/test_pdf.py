import io

import pytest
from django.template import engines
from pypdf import PdfReader

from intramuros.documents.pdf import LocalOnlyFetcher, html_to_pdf, render_pdf

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_letterhead_pdf_has_practitioner_header_and_content(dr_alice, jeanne_martin, practice):
    data = render_pdf(template_name="documents/pdf/letter.html",
                      context={"practitioner": dr_alice, "body_html": "<p>Bonjour Jeanne Martin</p>",
                               "document_title": "Test"})
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Jeanne Martin" in text
    assert "10001234567" in text  # RPPS in the header
    assert practice.name in text
    assert "1 / 1" in text  # page counter


def test_a5_page_size(dr_alice):
    data = render_pdf(template_name="documents/pdf/letter.html",
                      context={"practitioner": dr_alice, "body_html": "<p>x</p>", "page_size": "A5"})
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 148  # A5 width in mm


def test_duplicate_is_watermarked(dr_alice):
    data = render_pdf(template_name="documents/pdf/letter.html",
                      context={"practitioner": dr_alice, "body_html": "<p>x</p>", "duplicate": True})
    assert "DUPLICA" in pdf_text(data).upper()


def test_external_urls_are_never_fetched():
    # The suite's netguard fails any outbound connection: this renders without opening one.
    html = ('<html><head><link rel="stylesheet" href="http://example.com/x.css"></head><body>'
            '<img src="http://example.com/x.png"><img src="https://example.com/y.png">'
            '<img src="file:///etc/passwd"><p>Still rendered</p></body></html>')
    data = html_to_pdf(html)
    assert data.startswith(b"%PDF-")
    assert "Still rendered" in pdf_text(data)


def test_fetcher_refuses_other_hosts_and_serves_own_static_files():
    fetcher = LocalOnlyFetcher()
    for url in ("http://example.com/x.png", "file:///etc/passwd", "https://intramuros.pdf.invalid/admin/",
                "https://intramuros.pdf.invalid/static/../../settings.py"):
        with pytest.raises(ValueError):
            fetcher(url)
    response = fetcher("https://intramuros.pdf.invalid/static/documents/pdf.css")
    assert b"@page" in response.read()


def test_relative_static_url_is_resolved_locally():
    template = engines["django"].from_string(
        '<html><head><link rel="stylesheet" href="/static/documents/pdf.css"></head><body>Hi</body></html>')
    assert html_to_pdf(template.render({})).startswith(b"%PDF-")


def test_duplicate_stamp_keeps_the_original_content(dr_alice):
    from intramuros.documents.pdf import pdf_mark_duplicate

    original = render_pdf(template_name="documents/pdf/letter.html",
                          context={"practitioner": dr_alice, "body_html": "<p>Original words</p>"})
    stamped = pdf_mark_duplicate(original)
    text = pdf_text(stamped)
    assert "Original words" in text
    assert "DUPLICA" in text.upper()
    assert "DUPLICA" not in pdf_text(original).upper()
