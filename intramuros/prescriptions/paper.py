"""The printed prescription, drawn with ReportLab (documents/drawn.py) from printing.pdf_context().

The layout of the French ordonnance: the letterhead; the patient (name, date of birth, birth name) and the
date; the numbered lines, each kept whole on a page; with the ALD layout, two framed zones, the lines of the
recognised long-term condition above, the others below; the notes; the place for the signature. Called
within the paper's language (printing.PAPER_LANGUAGE).
"""

from __future__ import annotations

from django.utils import dateformat, formats
from django.utils.translation import gettext, pgettext

from intramuros.documents import drawn

ZONE_MIN_HEIGHT_MM = 30  # room in each ALD zone for a line written by hand


def prescription_pdf(context: dict) -> bytes:
    """The PDF of a prescription; `context` as printing.pdf_context() gives it, with its "letterhead"."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    page = drawn.page_of(context.get("page_size") or "A4")
    story = []
    if context.get("duplicate"):
        story.append(_duplicate_banner(context, page))
    story.append(drawn.letterhead(context["letterhead"], page))
    story.append(_patient_and_date(context, page))
    if context.get("ald"):
        story.append(_zone(gettext("Prescriptions related to the recognised long-term condition (ALD)"),
                           gettext("(exempting condition)"), context["ald_lines"], page))
        story.append(_zone(gettext("Prescriptions NOT related to the long-term condition"),
                           gettext("(intercurrent illnesses)"), context["other_lines"], page))
    else:
        story += _lines(context["lines"], page)
    notes = getattr(context.get("prescription"), "notes", "")
    if notes:
        story += [Spacer(0, 4 * mm), Paragraph(drawn.text(notes), page.style("body"))]
    story.append(_signature(context, page))
    return drawn.build(story, page=page, title=context.get("document_title") or "", letterhead=context["letterhead"],
                       watermark=gettext("DUPLICATE") if context.get("duplicate") else "")


def _patient_and_date(context: dict, page: drawn.Page):
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    patient = context["patient"]
    face = drawn.fonts()
    name = f"{patient.display_surname} {patient.first_names}"
    born = pgettext("female" if patient.sex == "F" else "male", "born on")
    born += " " + dateformat.format(patient.birth_date, "d/m/Y") if patient.birth_date else ""
    if patient.used_name and patient.used_name.upper() != (patient.birth_name or "").upper():
        born += " — " + gettext("birth name") + " " + (patient.birth_name or "").upper()
    cell = [Paragraph(drawn.text(name), page.style("body", fontName=face["bold"], fontSize=page.font_size * 1.15,
                                                   leading=page.font_size * 1.45)),
            Paragraph(drawn.text(born), page.style("body"))]
    issued = gettext("On %(date)s") % {"date": dateformat.format(context["issued_on"], "j F Y")}
    table = Table([[cell, Paragraph(drawn.text(issued), page.style("body", alignment=2))]],
                  colWidths=[page.width * 0.62, page.width * 0.38], spaceBefore=0, spaceAfter=4 * mm)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEABOVE", (0, 0), (-1, 0), 0.5, "#888888"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 3 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _line(item: dict, number: int, page: drawn.Page) -> list:
    """One prescribed line, numbered "1." like a list item: [kind,] name (DCI), dosage, mentions."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    face = drawn.fonts()
    indent = page.font_size * 1.8
    body = page.style("body", leftIndent=indent)
    label = f'<font name="{face["bold"]}">{drawn.text(item["label"])}</font>'
    if item.get("dci"):
        label += f" ({drawn.text(item['dci'])})"
    if item.get("kind"):
        kind = drawn.text(str(item["kind"]).upper())
        label = f'<font size="{page.font_size * 0.85:.1f}" color="#444444">{kind}</font><br/>{label}'
    flowables = [Paragraph(label, body, bulletText=f"{number}.")]
    if item.get("dosage"):
        flowables.append(Paragraph(drawn.text(item["dosage"]), body))
    italic = page.style("body", leftIndent=indent, fontName=face["italic"])
    flowables += [Paragraph(drawn.text(mention), italic) for mention in item.get("mentions") or []]
    return [*flowables, Spacer(0, 4 * mm)]


def _lines(items: list[dict], page: drawn.Page) -> list:
    from reportlab.platypus import KeepTogether

    return [KeepTogether(_line(item, number, page)) for number, item in enumerate(items, start=1)]


def _zone(title: str, subtitle: str, items: list[dict], page: drawn.Page):
    """A framed zone of the ALD layout: its heading, then a row per line, so that a long zone goes on to the
    next page with its heading repeated (the frame is drawn around each part)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    face = drawn.fonts()
    small = page.font_size * 0.85
    heading = Paragraph(f'<font name="{face["bold"]}">{drawn.text(title.upper())}</font><br/>{drawn.text(subtitle)}',
                        page.style("body", fontSize=small, leading=small * 1.3))
    rows = [[[heading, Spacer(0, 3 * mm)]]]
    rows += [[_line(item, number, page)] for number, item in enumerate(items, start=1)]
    style = [("BOX", (0, 0), (-1, -1), 0.8, "#222222"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
             ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
             ("TOPPADDING", (0, 0), (-1, 0), 3 * mm)]
    table = Table(rows, colWidths=[page.width], repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle(style))
    height = table.wrap(page.width, page.pagesize[1])[1]
    if height < ZONE_MIN_HEIGHT_MM * mm:
        table = Table([*rows, [Spacer(0, ZONE_MIN_HEIGHT_MM * mm - height)]], colWidths=[page.width], repeatRows=1,
                      splitInRow=1)
        table.setStyle(TableStyle(style))
    table.spaceAfter = 4 * mm
    return table


def _signature(context: dict, page: drawn.Page):
    """"Signature" and the prescriber's name, right of a rule on the right half, with room to sign."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    practitioner = context.get("practitioner")
    name = getattr(practitioner, "display_name", "") or ""
    signature = Paragraph(drawn.text(gettext("Signature") + "\n" + name), page.style("body"))
    table = Table([["", signature]], colWidths=[page.width * 0.55, page.width * 0.45], rowHeights=[22 * mm],
                  spaceBefore=10 * mm)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEABOVE", (1, 0), (1, 0), 0.5, "#999999"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
    ]))
    return table


def _duplicate_banner(context: dict, page: drawn.Page):
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    label = gettext("DUPLICATE")
    printed_at = context.get("original_printed_at")
    if printed_at:
        label += " — " + gettext("original printed on %(date)s") % {
            "date": formats.date_format(printed_at, "SHORT_DATETIME_FORMAT")}
    red = "#b42318"
    table = Table([[Paragraph(drawn.text(label), page.style("body", alignment=1, fontName=drawn.fonts()["bold"],
                                                            textColor=red))]],
                  colWidths=[page.width], spaceAfter=3 * mm)
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1, red), ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * mm)]))
    return table
