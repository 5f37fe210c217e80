import pytest
from django.test import override_settings

from intramuros.documents.tests import samples
from intramuros.documents.uploads import UploadRefused, check_content


def test_real_pdf_jpeg_png_are_accepted():
    assert check_content(samples.small_pdf()) == "application/pdf"
    assert check_content(samples.png()) == "image/png"
    assert check_content(samples.jpeg()) == "image/jpeg"


def test_empty_file_is_refused():
    with pytest.raises(UploadRefused, match="empty"):
        check_content(b"", name="scan.pdf")


def test_file_lying_about_its_type_is_refused():
    # An executable renamed .pdf, an HTML page renamed .png: the name is never trusted.
    with pytest.raises(UploadRefused, match="not a PDF, JPEG or PNG"):
        check_content(b"MZ\x90\x00 fake executable", name="result.pdf")
    with pytest.raises(UploadRefused, match="not a PDF, JPEG or PNG"):
        check_content(b"<html><script>alert(1)</script></html>", name="photo.png")


def test_truncated_image_is_refused():
    data = samples.png()
    with pytest.raises(UploadRefused, match="damaged or incomplete PNG"):
        check_content(data[:40], name="photo.png")


def test_png_header_on_garbage_is_refused():
    with pytest.raises(UploadRefused, match="damaged"):
        check_content(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, name="x.png")


def test_pdf_header_on_garbage_is_refused():
    with pytest.raises(UploadRefused, match="cannot be read"):
        check_content(b"%PDF-1.7\nthis is not really a pdf", name="x.pdf")


@override_settings(DOCUMENTS_MAX_UPLOAD_BYTES=1000)
def test_too_large_file_is_refused_with_the_limit():
    with pytest.raises(UploadRefused, match="too large"):
        check_content(samples.small_pdf() + b" " * 2000, name="big.pdf")


def test_messages_are_in_french_for_a_french_practice():
    from django.utils import translation

    with translation.override("fr"), pytest.raises(UploadRefused, match="est vide"):
        check_content(b"", name="scan.pdf")
