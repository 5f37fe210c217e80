"""Thin views: bind the form, call one service or selector, redirect or render."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros import audit
from intramuros.accounts.access import capability_required, has_capability
from intramuros.billing import exports, pdf, selectors, services, stats
from intramuros.billing.forms import (
    ActForm,
    CancelForm,
    CloseDayForm,
    FeeImportForm,
    FollowUpForm,
    InvoiceForm,
    PaymentFields,
    PeriodForm,
    TemplateForm,
)
from intramuros.billing.models import Act, Invoice, InvoiceTemplate, Payment
from intramuros.patients.access import patient_for_user


def _attempt(request, form, action) -> bool:
    """Run a service; its ValidationError becomes a form error (nothing was saved)."""
    try:
        action()
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


def _invoice_for(request, pk) -> Invoice:
    """An invoice is part of a patient file: read through the patient gate (which logs the read)."""
    invoice = get_object_or_404(Invoice.objects.select_related("patient", "practitioner", "cancels"), pk=pk)
    patient_for_user(request.user, invoice.patient_id, part="billing")
    return invoice


def _day(value) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        raise Http404 from None


@capability_required("billing.view")
def index(request):
    today = timezone.localdate()
    return render(request, "billing/index.html", {
        "today": today, "takings": selectors.takings(day=today), "unpaid_count": selectors.unpaid_count(),
        "can_record": has_capability(request.user, "billing.record"),
        "can_fees": has_capability(request.user, "billing.fees"),
    })


@capability_required("billing.view")
def patient_account(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="billing")
    invoices, patient_due, third_due = selectors.patient_account(patient=patient)
    return render(request, "billing/patient_account.html", {
        "patient": patient, "invoices": invoices, "patient_due": patient_due, "third_due": third_due,
        "can_record": has_capability(request.user, "billing.record"),
    })


@capability_required("billing.record")
def invoice_new(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="billing")
    consultation = _consultation_for(patient, request.POST.get("consultation") or request.GET.get("consultation"))
    form = InvoiceForm(request.POST or None, user=request.user, consultation=consultation)
    result = {}

    def issue():
        result["invoice"] = services.invoice_issue(actor=request.user, patient=patient, consultation=consultation,
                                                   **form.issue_kwargs())

    if request.method == "POST" and form.is_valid() and _attempt(request, form, issue):
        messages.success(request, _("Invoice %(number)s issued.") % {"number": result["invoice"].number})
        return redirect("billing:invoice_detail", pk=result["invoice"].pk)
    return render(request, "billing/invoice_new.html", {"patient": patient, "form": form,
                                                        "consultation": consultation})


def _consultation_for(patient, consultation_id):
    """The consultation being billed (?consultation=ID), when the clinical app records consultations."""
    if not consultation_id:
        return None
    try:
        from intramuros.clinical.models import Consultation
    except ImportError:
        raise Http404 from None
    try:
        return Consultation.objects.get(pk=int(consultation_id), patient=patient)
    except (Consultation.DoesNotExist, ValueError):
        raise Http404 from None


@capability_required("billing.view")
def invoice_detail(request, pk):
    invoice = _invoice_for(request, pk)
    return render(request, "billing/invoice_detail.html", {
        "invoice": invoice, "patient": invoice.patient,
        "payment_form": PaymentFields(initial={"amount": invoice.patient_due or invoice.third_party_due}),
        "cancel_form": CancelForm(), "follow_up_form": FollowUpForm(),
        "can_record": has_capability(request.user, "billing.record"),
    })


@capability_required("billing.record")
@require_POST
def payment_new(request, pk):
    invoice = _invoice_for(request, pk)
    form = PaymentFields(request.POST)
    if form.is_valid() and _attempt(request, form, lambda: services.payment_record(
            actor=request.user, invoice=invoice, **form.payment_kwargs())):
        messages.success(request, _("Payment recorded."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("billing:invoice_detail", pk=invoice.pk)


@capability_required("billing.record")
@require_POST
def invoice_cancel(request, pk):
    invoice = _invoice_for(request, pk)
    form = CancelForm(request.POST)
    result = {}
    if form.is_valid() and _attempt(request, form, lambda: result.setdefault("credit", services.invoice_cancel(
            actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"]))):
        messages.success(request, _("Invoice cancelled by credit note %(number)s.") % {
            "number": result["credit"].number})
        return redirect("billing:invoice_detail", pk=result["credit"].pk)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("billing:invoice_detail", pk=invoice.pk)


@capability_required("billing.record")
@require_POST
def follow_up_new(request, pk):
    invoice = _invoice_for(request, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid() and _attempt(request, form, lambda: services.follow_up_add(
            actor=request.user, invoice=invoice, **form.cleaned_data)):
        messages.success(request, _("Follow-up note saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    if request.POST.get("next") == "unpaid":
        return redirect("billing:unpaid")
    return redirect("billing:invoice_detail", pk=invoice.pk)


@capability_required("billing.view")
def invoice_pdf(request, pk):
    invoice = _invoice_for(request, pk)
    audit.record(actor=request.user, action="billing.invoice.printed", target=invoice, patient=invoice.patient)
    response = HttpResponse(pdf.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response


@capability_required("billing.view")
def receipt_pdf(request, pk):
    payment = get_object_or_404(Payment.objects.select_related("invoice", "invoice__patient"), pk=pk)
    patient_for_user(request.user, payment.patient_id, part="billing")
    audit.record(actor=request.user, action="billing.receipt.printed", target=payment, patient=payment.patient_id)
    response = HttpResponse(pdf.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{payment.invoice.number}-R{payment.pk}.pdf"'
    return response


@capability_required("billing.view")
def unpaid(request):
    invoices = selectors.unpaid_invoices(payer=request.GET.get("payer", ""))[:500]
    audit.record(actor=request.user, action="billing.unpaid.viewed")
    return render(request, "billing/unpaid.html", {
        "invoices": invoices, "payer": request.GET.get("payer", ""), "follow_up_form": FollowUpForm(),
        "due_follow_ups": selectors.follow_ups_due(today=timezone.localdate())[:100],
        "can_record": has_capability(request.user, "billing.record"),
    })


@capability_required("billing.view")
def takings(request):
    day = _day(request.GET.get("day"))
    audit.record(actor=request.user, action="billing.takings.viewed", day=day.isoformat())
    return render(request, "billing/takings.html", {
        "day": day, "takings": selectors.takings(day=day), "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1), "can_record": has_capability(request.user, "billing.record"),
        "can_reopen": has_capability(request.user, "billing.fees"),
    })


@capability_required("billing.record")
@require_POST
def day_close(request):
    form = CloseDayForm(request.POST)
    if form.is_valid() and _attempt(request, form, lambda: services.day_close(
            actor=request.user, practitioner=form.cleaned_data["practitioner"], day=form.cleaned_data["day"])):
        messages.success(request, _("The day is closed."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('billing:takings')}?day={request.POST.get('day', '')}")


@capability_required("billing.fees")
@require_POST
def day_reopen(request):
    form = CloseDayForm(request.POST)
    if form.is_valid() and _attempt(request, form, lambda: services.day_reopen(
            actor=request.user, practitioner=form.cleaned_data["practitioner"], day=form.cleaned_data["day"],
            reason=form.cleaned_data["reason"])):
        messages.success(request, _("The day is open again; this was written to the audit log."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('billing:takings')}?day={request.POST.get('day', '')}")


@capability_required("billing.view")
def summary_month(request, year, month):
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    summary = selectors.summary_month(year=year, month=month)
    first = datetime.date(year, month, 1)
    return render(request, "billing/summary.html", {
        "summary": summary, "period": "month", "first": first,
        "previous": (first - datetime.timedelta(days=1)).replace(day=1),
        "next": (first + datetime.timedelta(days=32)).replace(day=1),
    })


@capability_required("billing.view")
def summary_year(request, year):
    if not 2000 <= year <= 2100:
        raise Http404
    return render(request, "billing/summary.html", {
        "summary": selectors.summary_year(year=year), "period": "year", "first": datetime.date(year, 1, 1),
        "previous": datetime.date(year - 1, 1, 1), "next": datetime.date(year + 1, 1, 1),
    })


@capability_required("billing.view")
def export(request):
    form = PeriodForm(request.GET or None)
    if not request.GET or not form.is_valid():
        return render(request, "billing/export.html", {"form": form})
    d = form.cleaned_data
    what, fmt = d.get("what") or "payments", d.get("format") or "xlsx"
    audit.record(actor=request.user, action="billing.export.downloaded", what=what, format=fmt,
                 start=d["start"].isoformat(), end=d["end"].isoformat())
    kwargs = {"start": d["start"], "end": d["end"], "practitioner": d.get("practitioner")}
    rows = exports.payment_rows(**kwargs) if what == "payments" else exports.invoice_rows(**kwargs)
    name = f"{what}-{d['start']:%Y%m%d}-{d['end']:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.to_xlsx([(what, rows)]), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@capability_required("billing.view")
def statistics(request):
    months = {"24": 24, "36": 36}.get(request.GET.get("months", ""), 12)
    charts = stats.statistics(end=timezone.localdate(), months=months)
    return render(request, "billing/stats.html", {"charts": charts})


@capability_required("billing.view")
def fees(request):
    return render(request, "billing/fees.html", {
        "acts": Act.objects.select_related("practitioner").order_by("practitioner_id", "code"),
        "templates": InvoiceTemplate.objects.select_related("practitioner"),
        "can_fees": has_capability(request.user, "billing.fees"),
    })


@capability_required("billing.fees")
def act_edit(request, pk=None):
    act = get_object_or_404(Act, pk=pk) if pk else None
    form = ActForm(request.POST or None, instance=act)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in services.ACT_FIELDS}
        if _attempt(request, form, lambda: services.act_save(actor=request.user, act=act or Act(), **fields)):
            messages.success(request, _("Fee schedule updated."))
            return redirect("billing:fees")
    return render(request, "billing/form_page.html", {"form": form, "title": _("Act of the fee schedule")})


@capability_required("billing.fees")
def template_edit(request, pk=None):
    template = get_object_or_404(InvoiceTemplate, pk=pk) if pk else None
    initial = {"name": template.name, "codes": template.codes, "practitioner": template.practitioner} \
        if template else None
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _attempt(request, form, lambda: (
            services.invoice_template_save(actor=request.user, template=template, **form.cleaned_data))):
        messages.success(request, _("Invoice template saved."))
        return redirect("billing:fees")
    return render(request, "billing/form_page.html", {"form": form, "title": _("Invoice template")})


@capability_required("billing.fees")
def fee_import(request):
    form = FeeImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        report = services.fee_import(actor=request.user, text=d["csv_text"], practitioner=d.get("practitioner"),
                                     apply="apply" in request.POST, skip_bad_rows=d.get("skip_bad_rows", False))
        if report.applied:
            messages.success(request, _("%(created)s acts added, %(updated)s changed.") % {
                "created": report.created, "updated": report.updated})
            return redirect("billing:fees")
        form = FeeImportForm(initial={**d, "file": None})
    return render(request, "billing/fee_import.html", {"form": form, "report": report})

