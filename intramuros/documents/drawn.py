"""PDFs drawn directly with ReportLab, for the documents printed all day long (prescriptions).

WeasyPrint lays out HTML and CSS: right for letters and reports whose templates the practice edits, but a
one-page prescription costs it 55-65 ms of CPU, and a practice prints one after nearly every consultation.
ReportLab draws the same page in ~15 ms. This module holds what such a document shares with the HTML ones:
the fonts (DejaVu Sans, as in documents/pdf/base.html), the letterhead, the running footer, "Page X / Y",
the margins of A4 and A5 and the "DUPLICATE" watermark; a document module adds its own flowables:

    story = [drawn.letterhead(letterhead, page), ..., Paragraph(drawn.text(value), page.style("body"))]
    pdf_bytes = drawn.build(story, page=page, title=..., letterhead=letterhead)

Every value shown must go through text() (ReportLab's paragraphs read a small markup language).
"""

from __future__ import annotations

import base64
import io
import logging
import os
import threading
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape

from django.utils.translation import gettext

logger = logging.getLogger(__name__)

FAMILY = "IntramurosSans"
ACCENT = "#2b6cb0"  # the letterhead's blue, as in documents/static/documents/pdf.css
FONT_FILES = {  # DejaVu Sans, the font of the HTML documents: every European script, Greek, Cyrillic
    FAMILY: "DejaVuSans.ttf",
    FAMILY + "-Bold": "DejaVuSans-Bold.ttf",
    FAMILY + "-Italic": "DejaVuSans-Oblique.ttf",
    FAMILY + "-BoldItalic": "DejaVuSans-BoldOblique.ttf",
}
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.local/share/fonts"))

# ReportLab keeps per-document state in its shared font objects: one build at a time per process. A build
# is ~10 ms of CPU, which the two cores would not run in parallel anyway.
_build_lock = threading.Lock()


def _find_font(filename: str) -> str | None:
    debian = os.path.join("/usr/share/fonts/truetype/dejavu", filename)
    if os.path.exists(debian):
        return debian
    for top in FONT_DIRS:
        for folder, _dirs, files in os.walk(top):
            if filename in files:
                return os.path.join(folder, filename)
    return None


@cache
def fonts() -> dict[str, str]:
    """Registers DejaVu Sans once per process; the names of the regular, bold, italic and bold italic faces.

    Without DejaVu (Debian's fonts-dejavu-core) the PDF falls back to Helvetica, which has no glyph beyond
    Western European letters: said in the log, as the fix is one package."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    paths = {name: _find_font(filename) for name, filename in FONT_FILES.items()}
    if not all(paths.values()):
        logger.warning("DejaVu Sans fonts not found in %s: prescriptions are printed in Helvetica, without "
                       "non-Western letters. Install Debian's package fonts-dejavu-core.", ", ".join(FONT_DIRS))
        return {"regular": "Helvetica", "bold": "Helvetica-Bold", "italic": "Helvetica-Oblique",
                "bold_italic": "Helvetica-BoldOblique"}
    for name, path in paths.items():
        pdfmetrics.registerFont(TTFont(name, _slimmed(path)))
    for bold, italic, name in ((0, 0, FAMILY), (1, 0, FAMILY + "-Bold"), (0, 1, FAMILY + "-Italic"),
                               (1, 1, FAMILY + "-BoldItalic")):
        addMapping(FAMILY, bold, italic, name)  # so that <b> and <i> in a paragraph find the faces
    return {"regular": FAMILY, "bold": FAMILY + "-Bold", "italic": FAMILY + "-Italic",
            "bold_italic": FAMILY + "-BoldItalic"}


# The letters a practice's papers may hold: Latin with every European and Vietnamese accent, Greek, Cyrillic,
# punctuation, currency, arrows, mathematical and technical signs.
SCRIPTS = ((0x20, 0x24F), (0x2B0, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x1E00, 0x1EFF), (0x2000, 0x206F),
           (0x20A0, 0x20CF), (0x2100, 0x215F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2460, 0x24FF),
           (0x25A0, 0x25FF), (0xFB00, 0xFB06))


def _slimmed(path: str) -> io.BytesIO:
    """The font cut down to what a prescription can show, kept in DATA_DIR/run/fonts.

    ReportLab embeds, in every PDF, a subset of the font it is given with that font's licence text ("name"
    table) and hinting programs: 45 KB per print with DejaVu as installed. Cut with fontTools the way
    WeasyPrint's subsetter does for the HTML documents (names 0-6, no hinting, no OpenType layout tables
    ReportLab does not read), a print is a third of that. Cutting takes ~0.35 s per face, so the result is
    kept on disk, named after the installed file's size and date (a font update makes a new one)."""
    from intramuros.core.files import write_atomically
    from intramuros.core.paths import data_dir

    source = os.stat(path)
    cached = data_dir() / "run" / "fonts" / f"{os.path.basename(path)}.{source.st_size}.{int(source.st_mtime)}"
    try:
        return io.BytesIO(cached.read_bytes())
    except OSError:
        pass
    from fontTools import subset  # 75 ms to import: only when a font is cut
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    options = subset.Options(hinting=False, layout_features=[], name_IDs=[0, 1, 2, 3, 4, 5, 6],
                             notdef_outline=True)
    options.drop_tables += ["GPOS", "GSUB", "GDEF", "kern", "MATH", "FFTM"]
    cutter = subset.Subsetter(options)
    available = font.getBestCmap()
    cutter.populate(unicodes=[u for low, high in SCRIPTS for u in range(low, high + 1) if u in available])
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(cached, out.getvalue())
    except OSError:  # a read-only data directory: cut again at the next start
        logger.info("Could not keep the cut font in %s", cached, exc_info=True)
    out.seek(0)
    return out


def text(value) -> str:
    """A value as paragraph markup: escaped, its line breaks kept (CSS white-space: pre-line)."""
    return escape(str(value or "")).replace("\r\n", "\n").replace("\n", "<br/>")


@dataclass
class Page:
    """A4 or A5 (see page_of) with its margins and type sizes, as documents/pdf/base.html sets them."""

    size: str = "A4"
    styles: dict = field(default_factory=dict)

    def __post_init__(self):
        from reportlab.lib import pagesizes
        from reportlab.lib.units import mm

        self.pagesize = getattr(pagesizes, self.size)
        if self.size == "A5":
            self.top, self.right, self.bottom, self.left, self.font_size = 12 * mm, 10 * mm, 16 * mm, 10 * mm, 9
        else:
            self.top, self.right, self.bottom, self.left, self.font_size = 18 * mm, 18 * mm, 22 * mm, 18 * mm, 10.5
        self.width = self.pagesize[0] - self.left - self.right

    def style(self, name: str, **overrides):
        """A paragraph style: "body", "small" (0.85 em, grey) or "title"; overrides as ParagraphStyle's."""
        from reportlab.lib.styles import ParagraphStyle

        key = (name, tuple(sorted(overrides.items())))
        if key not in self.styles:
            face = fonts()
            size = self.font_size * {"small": 0.85, "title": 1.3}.get(name, 1)
            base = {"fontName": face["bold"] if name == "title" else face["regular"], "fontSize": size,
                    "leading": size * 1.25, "textColor": {"small": "#333333", "title": ACCENT}.get(name, "#111111")}
            self.styles[key] = ParagraphStyle(f"{name}-{len(self.styles)}", **{**base, **overrides})
        return self.styles[key]


def page_of(size: str) -> Page:
    """The Page of a size, made once per process ("A4" for anything but "A5")."""
    from intramuros.documents.pdf import PAGE_SIZES

    return _page(size if size in PAGE_SIZES else "A4")


@cache
def _page(size: str) -> Page:
    return Page(size)


def _logo(data_uri: str, max_width: float, max_height: float):
    """The letterhead's logo (a data: URI of a PNG or JPEG) scaled into its box; None if it cannot be read."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    try:
        raw = base64.b64decode(data_uri.split(",", 1)[1])
        width, height = ImageReader(io.BytesIO(raw)).getSize()
        scale = min(max_width / width, max_height / height, 1.0 * 72 / 96)  # CSS pixels, never enlarged
        return Image(io.BytesIO(raw), width=width * scale, height=height * scale)
    except Exception:  # noqa: BLE001 - a broken logo must not stop a print; the check was done at upload
        logger.warning("The letterhead's logo could not be read: printed without it", exc_info=True)
        return None


def letterhead(values: dict, page: Page):
    """The letterhead block (values from documents.letterheads.letterhead_for): logo, practice, practitioner."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    small = page.style("small")
    practice = [Paragraph(text(values.get("name")), page.style("title"))]
    tel = gettext("Tel.")
    for key, prefix in (("address", ""), ("phone", tel + " "), ("email", ""), ("extra", "")):
        if values.get(key):
            practice.append(Paragraph(text(prefix + values[key]), small))
    cells, widths = [practice], [None]
    doctor = values.get("practitioner")
    if doctor:
        right = page.style("small", alignment=2)
        column = [Paragraph(text(doctor.get("name")), page.style("body", alignment=2, fontName=fonts()["bold"],
                                                                fontSize=page.font_size * 1.1,
                                                                leading=page.font_size * 1.4))]
        for key, prefix in (("specialty", ""), ("rpps", gettext("RPPS") + " "), ("address", ""),
                            ("phone", tel + " ")):
            if doctor.get(key):
                column.append(Paragraph(text(prefix + doctor[key]), right))
        cells.append(column)
        widths.append(None)
    logo = _logo(values["logo"], 40 * mm, 18 * mm) if values.get("logo") else None
    if logo is not None:
        cells.insert(0, logo)
        widths.insert(0, logo.drawWidth + 4 * mm)
    free = page.width - sum(w for w in widths if w)
    widths = [w or free / widths.count(None) for w in widths]
    table = Table([cells], colWidths=widths, hAlign="LEFT", spaceAfter=6 * mm)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
        ("LINEBELOW", (0, 0), (-1, -1), 1.5, ACCENT),
    ]))
    return table


def _canvas_class(page: Page, footer: str, watermark: str):
    """A canvas that draws, on every page, the footer and "Page X / Y" (known once every page is laid out)."""
    from reportlab.lib.colors import Color, HexColor
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    face = fonts()
    footer_lines = [line for line in (footer or "").splitlines() if line.strip()]
    page_word = gettext("Page")

    class PagedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(len(self._pages))
                super().showPage()
            super().save()

        def _decorate(self, count: int):
            width, _height = page.pagesize
            self.setFillColor(HexColor("#555555"))
            label = f"{page_word} {self._pageNumber} / {count}"
            self.setFont(face["regular"], 8)
            self.drawCentredString(width / 2, page.bottom / 2, label)
            # The footer on the left, wrapped short of the page number (as WeasyPrint shares the margin boxes).
            room = width / 2 - stringWidth(label, face["regular"], 8) / 2 - 3 * mm - page.left
            lines = [part for line in footer_lines for part in simpleSplit(line, face["regular"], 7.5, room)]
            self.setFont(face["regular"], 7.5)
            top = page.bottom / 2 + (len(lines) - 1) * 4.5  # the block centred on the page number's line
            for i, line in enumerate(lines):
                self.drawString(page.left, top - i * 9, line)
            if watermark:
                self.saveState()
                self.setFillColor(Color(200 / 255, 30 / 255, 30 / 255, alpha=0.18))
                self.setFont(face["bold"], 64 if page.size == "A4" else 44)
                self.translate(width / 2, page.pagesize[1] * 0.55)
                self.rotate(30)
                self.drawCentredString(0, 0, watermark)
                self.restoreState()

    return PagedCanvas


def build(story: list, *, page: Page, title: str, letterhead: dict, watermark: str = "") -> bytes:
    """The PDF of `story` on `page`, with the letterhead's footer, page numbers and metadata."""
    from reportlab.platypus import SimpleDocTemplate

    doctor = letterhead.get("practitioner") or {}
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=page.pagesize, leftMargin=page.left, rightMargin=page.right,
                            topMargin=page.top, bottomMargin=page.bottom, title=title,
                            author=doctor.get("name") or letterhead.get("name") or "", creator="Intramuros",
                            producer="Intramuros")
    canvas_class = _canvas_class(page, letterhead.get("footer") or "", watermark)
    with _build_lock:
        doc.build(story, canvasmaker=canvas_class)
    return out.getvalue()
