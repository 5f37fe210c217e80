"""The drawn prescription (prescriptions/paper.py on documents/drawn.py): what the paper shows, on every page."""

import io

import pytest
from pypdf import PdfReader

from intramuros.prescriptions.services import prescription_issue, render_prescription_pdf


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def letterhead(db, dr_alice):
    from intramuros.documents.demo import _logo_png
    from intramuros.documents.models import Letterhead
    from intramuros.documents.storage import store_bytes

    logo = store_bytes(_logo_png(), kind="logo", content_type="image/png")
    return Letterhead.objects.create(name="Cabinet des Tilleuls", address="12 rue des Tilleuls\n67000 Strasbourg",
                                     phone="03 88 00 00 00", footer="En cas d'urgence, appelez le 15.\nFermé le samedi",
                                     logo=logo)


def test_a_prescription_shows_letterhead_patient_lines_and_signature(catalogue, drug, jeanne_martin, dr_alice,
                                                                        letterhead):
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, notes="À jeun.\nRevoir dans 3 mois",
                                      items=[{"drug": drug("61000001").pk, "quantity": "1", "unit": "tablet",
                                              "frequency": "prn", "frequency_count": 3},
                                             {"kind": "lab", "label": "HbA1c"}])
    pdf = render_prescription_pdf(prescription)
    reader = PdfReader(io.BytesIO(pdf))
    [text] = _pages(pdf)
    for expected in ("Cabinet des Tilleuls", "67000 Strasbourg", "Tél. 03 88 00 00 00", "Dr Alice Bernard",
                     "RPPS 10001234567", "MARTIN Jeanne", "née le", "1. DOLIPRANE 1000 mg, comprimé (paracétamol)",
                     "2. ", "HbA1c", "À jeun.", "Revoir dans 3 mois", "Signature", "Page 1 / 1",
                     "En cas d'urgence, appelez le 15.", "Fermé le samedi"):
        assert expected in text, expected
    assert reader.metadata.title == f"Ordonnance {jeanne_martin}" and reader.metadata.author == "Dr Alice Bernard"
    assert reader.pages[0].images, "the letterhead's logo is drawn"
    assert 595 <= float(reader.pages[0].mediabox.width) <= 596  # A4
    assert len(pdf) < 60_000  # the fonts are embedded cut down (45 KB more per print otherwise)


def test_every_value_is_printed_as_text_never_read_as_markup(catalogue, jeanne_martin, dr_alice):
    hostile = '<font name="Nope" size="90">HbA1c</font> & <b>K+</b> <br/>'
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice,
                                      items=[{"kind": "lab", "label": hostile}])
    [text] = _pages(render_prescription_pdf(prescription))
    assert '<font name="Nope" size="90">HbA1c</font> & <b>K+</b>' in text


def test_names_in_any_european_script_are_printed(catalogue, jeanne_martin, dr_alice):
    jeanne_martin.first_names = "Łucja Ωμέγα Дарья Nguyễn"
    jeanne_martin.save()
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice,
                                      items=[{"kind": "lab", "label": "Ionogramme, créatininémie, œdème µg"}])
    [text] = _pages(render_prescription_pdf(prescription))
    assert "Łucja Ωμέγα Дарья Nguyễn" in text and "œdème µg" in text


def test_a_long_prescription_goes_on_over_pages_each_numbered_with_its_footer(catalogue, jeanne_martin, dr_alice,
                                                                            letterhead):
    items = [{"kind": "lab", "label": f"Examen numéro {n}", "ald": n % 2 == 0} for n in range(1, 41)]
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, layout="ald", page_size="A5",
                                      items=items)
    pages = _pages(render_prescription_pdf(prescription))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in text and "appelez le 15" in text
    whole = "\n".join(pages)
    assert all(f"Examen numéro {n}" in whole for n in range(1, 41))
    # The ALD zone's heading is repeated on the page where the zone goes on.
    assert whole.count("PRESCRIPTIONS RELATIVES AU TRAITEMENT") >= 2
    assert whole.index("Examen numéro 40") < whole.index("SANS RAPPORT") < whole.index("Examen numéro 39")
    reader = PdfReader(io.BytesIO(render_prescription_pdf(prescription)))
    assert 419 <= float(reader.pages[0].mediabox.width) <= 420  # A5


def test_the_re_rendered_duplicate_is_marked(catalogue, jeanne_martin, dr_alice):
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[{"kind": "lab", "label": "TSH"}])
    [text] = _pages(render_prescription_pdf(prescription, duplicate=True))
    assert text.count("DUPLICATA") >= 2  # the banner and the watermark


def test_an_unreadable_logo_is_left_out_and_the_prescription_printed(catalogue, jeanne_martin, dr_alice, letterhead,
                                                                     caplog):
    from intramuros.documents.storage import store_bytes

    letterhead.logo = store_bytes(b"\x89PNG\r\n\x1a\n not an image", kind="logo", content_type="image/png")
    letterhead.save()
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[{"kind": "lab", "label": "TSH"}])
    pdf = render_prescription_pdf(prescription)
    assert "TSH" in _pages(pdf)[0] and not PdfReader(io.BytesIO(pdf)).pages[0].images
    assert "logo could not be read" in caplog.text


def test_the_cut_fonts_are_kept_and_made_again_when_the_font_changes(tmp_path, monkeypatch):
    import os
    import shutil

    from fontTools.ttLib import TTFont

    from intramuros.documents import drawn

    monkeypatch.setenv("INTRAMUROS_DATA_DIR", str(tmp_path / "data"))
    source = drawn._find_font("DejaVuSans.ttf")
    font = tmp_path / "DejaVuSans.ttf"
    shutil.copy(source, font)
    cut = TTFont(drawn._slimmed(str(font)))
    assert "fpgm" not in cut and "GPOS" not in cut and {r.nameID for r in cut["name"].names} <= set(range(7))
    assert 0x141 in cut.getBestCmap() and 0x4E00 not in cut.getBestCmap()  # Ł kept; CJK never was in DejaVu
    [kept] = (tmp_path / "data" / "run" / "fonts").iterdir()
    assert drawn._slimmed(str(font)).getvalue() == kept.read_bytes()
    os.utime(font, (1_000_000_000, 1_000_000_000))  # the font package updated
    drawn._slimmed(str(font))
    assert len(list((tmp_path / "data" / "run" / "fonts").iterdir())) == 2


def test_a_long_footer_is_wrapped_short_of_the_page_number(catalogue, jeanne_martin, dr_alice, letterhead):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from intramuros.documents import drawn

    letterhead.footer = ("Cabinet ouvert du lundi au vendredi de 8 h à 19 h et le samedi de 9 h à 12 h ; la nuit, "
                         "le dimanche et les jours fériés, appelez le 15")
    letterhead.save()
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, page_size="A5",
                                      items=[{"kind": "lab", "label": "TSH"}])
    drawn_text = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            drawn_text.append((text.strip(), tm[4] * cm[0] + cm[4], size * tm[0]))

    PdfReader(io.BytesIO(render_prescription_pdf(prescription))).pages[0].extract_text(visitor_text=visit)
    [page_x] = [x for text, x, _size in drawn_text if text.startswith("Page 1 / 1")]
    footer = [(text, x) for text, x, size in drawn_text if abs(size - 7.5) < 0.01]
    assert len(footer) >= 2 and "appelez le 15" in " ".join(text for text, _x in footer)
    regular = drawn.fonts()["regular"]
    assert all(x + stringWidth(text, regular, 7.5) < page_x for text, x in footer)


@pytest.mark.parametrize("layout", ["ald", "standard"])
def test_a_line_longer_than_a_page_goes_on_to_the_next(catalogue, jeanne_martin, dr_alice, layout):
    words = " ".join(["Rééducation du genou droit, renforcement du quadriceps, travail proprioceptif."] * 120)
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, layout=layout, page_size="A5",
                                      items=[{"kind": "lab", "label": "Kinésithérapie", "instructions": words,
                                              "ald": True},
                                             {"kind": "lab", "label": "TSH"}])
    pages = _pages(render_prescription_pdf(prescription))
    whole = "\n".join(pages)
    assert len(pages) >= 3 and "Signature" in pages[-1] and whole.index("TSH") > whole.rindex("proprioceptif")
    assert whole.count("proprioceptif.") == 120


@pytest.fixture
def without_dejavu(monkeypatch):
    from intramuros.documents import drawn

    monkeypatch.setattr(drawn, "_find_font", lambda filename: None)
    drawn.fonts.cache_clear()
    drawn._page.cache_clear()
    yield
    monkeypatch.undo()
    drawn.fonts.cache_clear()
    drawn._page.cache_clear()


def test_without_dejavu_the_prescription_is_printed_in_helvetica_and_the_log_says_what_to_install(
        catalogue, jeanne_martin, dr_alice, without_dejavu, caplog):
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice,
                                      items=[{"kind": "lab", "label": "Créatininémie"}])
    pdf = render_prescription_pdf(prescription)
    assert "Créatininémie" in _pages(pdf)[0]
    fonts = {str(font.get_object()["/BaseFont"]) for font in
             PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()}
    assert fonts <= {"/Helvetica", "/Helvetica-Bold", "/Helvetica-Oblique", "/Helvetica-BoldOblique"}
    assert "fonts-dejavu-core" in caplog.text
