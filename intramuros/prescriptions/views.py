"""Pages of the prescriptions app: catalogue search, a patient's prescriptions, the prescription editor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intramuros.accounts.access import capability_required
from intramuros.patients.access import patient_for_user
from intramuros.prescriptions import forms, safety, selectors, services
from intramuros.prescriptions.models import Drug, Prescription, PrescriptionPrint, PrescriptionTemplate
from intramuros.prescriptions.printing import screen_lines

WRITE = "prescriptions.write"


def _patient(request, patient_id):
    return patient_for_user(request.user, patient_id, part="prescription")


@capability_required(WRITE)
@require_GET
def index(request):
    text = request.GET.get("q", "")
    results = selectors.drug_search(text=text) if text else []
    template = "prescriptions/_drug_results.html" if request.htmx else "prescriptions/index.html"
    return render(request, template, {"q": text, "results": results, "searched": bool(text),
                                      "add": request.GET.get("add") == "1"})


@capability_required(WRITE)
@require_GET
def drug_detail(request, drug_id):
    try:
        drug = selectors.drug_detail(drug_id=drug_id)
    except Drug.DoesNotExist:
        raise Http404 from None
    return render(request, "prescriptions/drug_detail.html", {"drug": drug})


@capability_required(WRITE)
@require_GET
def line_new(request):
    """One new line for the editor (htmx): from a drug of the catalogue, a kind, or a template's lines."""
    drug = get_object_or_404(Drug, pk=request.GET["drug"]) if request.GET.get("drug", "").isdigit() else None
    if request.GET.get("template", "").isdigit():
        tpl = get_object_or_404(selectors.templates_for(user=request.user), pk=request.GET["template"])
        line_forms = [forms.line_form_for(item) for item in tpl.items]
    else:
        line_forms = [forms.line_form_for({"kind": request.GET.get("kind") or "drug"}, drug=drug)]
    return render(request, "prescriptions/_lines.html", {"line_forms": line_forms})


@capability_required(WRITE)
@require_GET
def patient_list(request, patient_id):
    patient = _patient(request, patient_id)
    return render(request, "prescriptions/patient_list.html", {
        "patient": patient, "prescriptions": selectors.prescriptions_for_patient(patient=patient)})


@capability_required(WRITE)
def new(request, patient_id):
    patient = _patient(request, patient_id)
    if request.method == "POST":
        return _issue(request, patient)
    items = []
    if request.GET.get("from", "").isdigit():  # "copy and edit" from an earlier prescription
        source = Prescription.objects.filter(patient=patient, pk=request.GET["from"]).first()
        items = services.line_items(source) if source else []
    return _editor(request, patient, forms.PrescriptionForm(), [forms.line_form_for(i) for i in items])


def _editor(request, patient, header, line_forms, findings=None, status=200):
    return render(request, "prescriptions/new.html", {
        "patient": patient, "header": header, "line_forms": line_forms, "findings": findings,
        "needs_reason": findings is not None and safety.needs_reason(findings),
        "templates": selectors.templates_for(user=request.user)}, status=status)


def _issue(request, patient):
    header, line_forms = forms.PrescriptionForm(request.POST), forms.line_forms_from_post(request.POST)
    if not (header.is_valid() and all(f.is_valid() for f in line_forms)):
        return _editor(request, patient, header, line_forms, status=400)
    try:
        prescription = services.prescription_issue(
            patient=patient, prescriber=request.user, items=[f.item() for f in line_forms], **header.cleaned_data)
    except services.SafetyCheckRequired as exc:
        return _editor(request, patient, header, line_forms, findings=exc.findings, status=409)
    except ValidationError as exc:
        header.add_error(None, exc)
        return _editor(request, patient, header, line_forms, status=400)
    messages.success(request, _("Prescription issued."))
    return redirect("prescriptions:detail", patient_id=patient.pk, prescription_id=prescription.pk)


@capability_required(WRITE)
@require_POST
def check(request, patient_id):
    """The safety panel of the editor, refreshed (htmx) whenever a line changes."""
    patient = _patient(request, patient_id)
    items = [f.item() for f in forms.line_forms_from_post(request.POST) if f.is_valid()]
    findings = services.prescription_check(patient=patient, items=items)
    return render(request, "prescriptions/_findings.html", {"findings": findings or [], "checked": findings is not None})


def _prescription(request, patient_id, prescription_id):
    patient = _patient(request, patient_id)
    try:
        return selectors.prescription_for_patient(patient=patient, prescription_id=prescription_id)
    except (Prescription.DoesNotExist, ValueError):
        raise Http404 from None


@capability_required(WRITE)
@require_GET
def detail(request, patient_id, prescription_id):
    prescription = _prescription(request, patient_id, prescription_id)
    return render(request, "prescriptions/detail.html", {
        "patient": prescription.patient, "prescription": prescription, "lines": screen_lines(prescription),
        "template_form": forms.TemplateForm()})


@capability_required(WRITE)
@require_POST
def print_new(request, patient_id, prescription_id):
    patient = _patient(request, patient_id)
    try:
        prescription = selectors.prescription_to_print(patient=patient, prescription_id=prescription_id)
    except (Prescription.DoesNotExist, ValueError):
        raise Http404 from None
    printed = services.prescription_print(prescription=prescription, user=request.user)
    return redirect("prescriptions:print_file", patient_id=prescription.patient_id, prescription_id=prescription.pk,
                    print_id=printed.pk)


@capability_required(WRITE)
@require_GET
def print_file(request, patient_id, prescription_id, print_id):
    patient = _patient(request, patient_id)
    try:
        printed = selectors.print_for_patient(patient=patient, prescription_id=prescription_id, print_id=print_id)
    except (PrescriptionPrint.DoesNotExist, ValueError):
        raise Http404 from None
    response = HttpResponse(services.print_bytes(printed=printed, user=request.user), content_type="application/pdf")
    kind = "duplicata" if printed.duplicate else "ordonnance"
    response["Content-Disposition"] = f'inline; filename="{kind}-{printed.prescription_id}-{printed.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@capability_required(WRITE)
@require_POST
def renew(request, patient_id, prescription_id):
    """Renew in one action; when the checks find something, the editor opens with the lines and findings."""
    previous = _prescription(request, patient_id, prescription_id)
    reason = forms.OverrideForm(request.POST).data.get("override_reason", "")
    try:
        renewed = services.prescription_renew(prescription=previous, prescriber=request.user, override_reason=reason)
    except services.SafetyCheckRequired as exc:
        line_forms = [forms.line_form_for(i) for i in services.line_items(previous)]
        header = forms.PrescriptionForm(initial={"layout": previous.layout, "page_size": previous.page_size,
                                                 "notes": previous.notes})
        return _editor(request, previous.patient, header, line_forms, findings=exc.findings, status=409)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("prescriptions:detail", patient_id=previous.patient_id, prescription_id=previous.pk)
    messages.success(request, _("Prescription renewed."))
    return redirect("prescriptions:detail", patient_id=renewed.patient_id, prescription_id=renewed.pk)


@capability_required(WRITE)
@require_POST
def template_save(request, patient_id, prescription_id):
    prescription = _prescription(request, patient_id, prescription_id)
    form = forms.TemplateForm(request.POST)
    if form.is_valid():
        try:
            services.prescription_template_save(actor=request.user, items=services.line_items(prescription),
                                                **form.cleaned_data)
            messages.success(request, _("Lines saved as “%(name)s”.") % {"name": form.cleaned_data["name"]})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("Give the template a name."))
    return redirect("prescriptions:detail", patient_id=prescription.patient_id, prescription_id=prescription.pk)


@capability_required(WRITE)
def templates(request):
    if request.method == "POST":
        template = get_object_or_404(PrescriptionTemplate, pk=request.POST.get("delete", 0))
        services.prescription_template_delete(actor=request.user, template=template)
        messages.success(request, _("Template deleted."))
        return redirect("prescriptions:templates")
    return render(request, "prescriptions/templates.html", {"templates": selectors.templates_for(user=request.user)})
