"""Exports for the accountant: the receipts book (payments) and the invoices of a period, CSV or XLSX.

No patient name leaves in these files: the accountant needs numbers, dates, amounts and methods.
"""

from __future__ import annotations

import csv
import datetime
import io

from django.utils.translation import gettext as _

from intramuros.billing import selectors

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def payment_rows(*, start: datetime.date, end: datetime.date, practitioner=None):
    yield [_("Takings day"), _("Received"), _("Practitioner"), _("Invoice"), _("Paid by"), _("Method"),
           _("Cheque number"), _("Bank"), _("Amount (EUR)")]
    for p in selectors.payments_between(start=start, end=end, practitioner=practitioner).iterator(chunk_size=2000):
        yield [p.day, p.received_at.replace(tzinfo=None) if p.received_at else "", str(p.practitioner),
               p.invoice.number, p.get_payer_display(), p.get_method_display(), _cell(p.cheque_number),
               _cell(p.bank), p.amount]


def invoice_rows(*, start: datetime.date, end: datetime.date, practitioner=None):
    yield [_("Date of care"), _("Number"), _("Kind"), _("Practitioner"), _("Total (EUR)"),
           _("Patient's share"), _("Third-party share"), _("Third-party payer"), _("Paid"), _("Cancels"),
           _("Cancelled")]
    for i in selectors.invoices_between(start=start, end=end, practitioner=practitioner).iterator(chunk_size=2000):
        sign = -1 if i.is_credit_note else 1
        yield [i.date, i.number, i.get_kind_display(), str(i.practitioner), sign * i.total, sign * i.patient_share,
               sign * i.third_party_share, i.get_third_party_display() if i.third_party else "", i.paid,
               i.cancels.number if i.cancels_id else "", _("yes") if i.cancelled else ""]


def to_csv(rows) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM: what French spreadsheets open as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow([str(v).replace(".", ",") if hasattr(v, "as_tuple") else _cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: list[tuple[str, object]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        for n, row in enumerate(rows):
            sheet.append([_cell(v) if isinstance(v, str) else v for v in row])
            if n == 0:
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if hasattr(cell.value, "as_tuple"):
                    cell.number_format = "#,##0.00"
                elif isinstance(cell.value, datetime.datetime):
                    cell.number_format = "dd/mm/yyyy hh:mm"
                elif isinstance(cell.value, datetime.date):
                    cell.number_format = "dd/mm/yyyy"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
