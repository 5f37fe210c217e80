"""Payments and invoices in the patient timeline, for those who may see the patient's account."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from intramuros.accounts.access import has_capability
from intramuros.billing.models import Invoice, Payment
from intramuros.core.timeline import TimelineEntry

LIMIT = 200


def entries(*, patient, user):
    if not has_capability(user, "billing.view"):
        return []
    result = []
    for p in Payment.objects.filter(patient=patient).select_related("invoice").order_by("-received_at")[:LIMIT]:
        result.append(TimelineEntry(
            at=p.received_at, kind="payment",
            title=_("Payment of %(amount)s € (%(method)s)") % {"amount": p.amount, "method": p.get_method_display()},
            url=reverse("billing:invoice_detail", kwargs={"pk": p.invoice_id}),
            detail=_("Invoice %(number)s, paid by %(payer)s") % {"number": p.invoice.number,
                                                                 "payer": p.get_payer_display()},
        ))
    for i in Invoice.objects.filter(patient=patient).select_related("practitioner").order_by("-issued_at")[:LIMIT]:
        title = (_("Credit note %(number)s") if i.is_credit_note else _("Invoice %(number)s")) % {"number": i.number}
        result.append(TimelineEntry(at=i.issued_at, kind="invoice", title=f"{title} — {i.total} €",
                                    url=reverse("billing:invoice_detail", kwargs={"pk": i.pk}),
                                    author=str(i.practitioner)))
    return result
