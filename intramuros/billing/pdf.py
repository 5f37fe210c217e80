"""Invoices, credit notes and receipts as PDF.

Uses the documents app's renderer (letterhead, local files only) when it is there; otherwise
WeasyPrint directly with a fetcher that refuses every URL: a PDF never triggers a connection.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from intramuros.billing.models import Invoice, Payment

STANDALONE_BASE = "billing/pdf/standalone_base.html"


def _refuse_every_url(url: str, *args, **kwargs):
    raise ValueError(f"refused to fetch {url}: invoices are rendered without fetching anything")


def render(template_name: str, context: dict) -> bytes:
    try:
        from intramuros.documents.pdf import render_pdf
    except ImportError:
        render_pdf = None
    if render_pdf is not None:
        return render_pdf(template_name=template_name, context={**context, "pdf_base": "documents/pdf/base.html"})
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "pdf_base": STANDALONE_BASE})
    return HTML(string=html, base_url="about:blank", url_fetcher=_refuse_every_url).write_pdf()


def invoice_pdf(invoice: Invoice, *, duplicate: bool = False) -> bytes:
    from intramuros.core.models import Practice

    return render("billing/pdf/invoice.html", {
        "invoice": invoice, "lines": list(invoice.lines.all()), "payments": list(invoice.payments.all()),
        "patient": invoice.patient, "practitioner": invoice.practitioner, "practice": Practice.current(),
        "document_title": invoice.number, "duplicate": duplicate,
    })


def receipt_pdf(payment: Payment) -> bytes:
    from intramuros.core.models import Practice

    invoice = payment.invoice
    return render("billing/pdf/receipt.html", {
        "payment": payment, "invoice": invoice, "patient": invoice.patient, "practitioner": invoice.practitioner,
        "practice": Practice.current(), "document_title": f"{invoice.number}-R{payment.pk}", "page_size": "A5",
    })
