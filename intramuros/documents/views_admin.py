"""The practice's letter templates and letterheads (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros.accounts.access import capability_required
from intramuros.accounts.models import User
from intramuros.documents import services
from intramuros.documents.forms import LetterheadForm, TemplateForm
from intramuros.documents.models import Letterhead, LetterTemplate
from intramuros.documents.pdf import render_pdf
from intramuros.documents.placeholders import PLACEHOLDERS
from intramuros.documents.sandbox import TemplateProblem
from intramuros.documents.selectors import active_templates


@capability_required("admin.settings")
def template_list(request):
    practitioners = User.objects.filter(role__in=["practitioner", "replacement"], is_active=True)
    return render(request, "documents/templates_list.html", {"templates": active_templates(),
                                                             "practitioners": practitioners})


def _template_initial(template):
    if template is None:
        return {"kind": "letter", "page_size": "A4"}
    return {f: getattr(template, f) for f in ("name", "kind", "page_size", "title", "body", "css")}


@capability_required("admin.settings")
def template_edit(request, template_id=None):
    template = get_object_or_404(LetterTemplate, pk=template_id) if template_id else None
    form = TemplateForm(request.POST or None, initial=_template_initial(template))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.letter_template_save(actor=request.user, template=template, **form.cleaned_data)
        except TemplateProblem as exc:
            form.add_error(None, str(exc))  # nothing saved: the form keeps every character typed
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
            return redirect("documents:template_edit", template_id=saved.pk)
    return render(request, "documents/template_edit.html", {"form": form, "template": template,
                                                            "placeholders": PLACEHOLDERS},
                  status=400 if form.errors else 200)


def _preview_data(request):
    data = {k: request.POST.get(k, "") for k in ("title", "body", "css")}
    try:
        return data, services.letter_template_check(**data), ""
    except TemplateProblem as exc:
        return data, "", str(exc)


@require_POST
@capability_required("admin.settings")
def template_preview(request):
    """htmx: the template filled with a fictitious patient, or what is wrong with it."""
    _data, html, problem = _preview_data(request)
    return render(request, "documents/_preview.html", {"html": html, "problem": problem,
                                                       "page_size": request.POST.get("page_size", "A4")})


@require_POST
@capability_required("admin.settings")
def template_preview_pdf(request):
    data, html, problem = _preview_data(request)
    if problem:
        return render(request, "documents/_preview.html", {"problem": problem}, status=400)
    pdf = render_pdf(template_name="documents/pdf/letter.html", request=request, context={
        "practitioner": request.user if request.user.is_practitioner else None, "body_html": html,
        "css": data["css"], "page_size": request.POST.get("page_size", "A4"), "document_title": _("Preview")})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    return response


@require_POST
@capability_required("admin.settings")
def template_delete(request, template_id):
    template = get_object_or_404(LetterTemplate, pk=template_id)
    services.letter_template_delete(actor=request.user, template=template)
    messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
    return redirect("documents:templates")


@capability_required("admin.settings")
def letterhead_edit(request, user_id=None):
    practitioner = get_object_or_404(User, pk=user_id) if user_id else None
    if practitioner is not None and not practitioner.is_practitioner:
        raise Http404
    current = Letterhead.objects.filter(practitioner=practitioner).first() if practitioner else \
        Letterhead.objects.filter(practitioner__isnull=True).order_by("pk").first()
    initial = {f: getattr(current, f) for f in ("name", "address", "phone", "email", "extra", "footer")} \
        if current else {}
    form = LetterheadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        logo = data.pop("logo")
        try:
            services.letterhead_save(actor=request.user, practitioner=practitioner,
                                     logo=logo.read() if logo else None, **data)
        except ValidationError as exc:
            form.add_error("logo", exc)
        else:
            messages.success(request, _("Letterhead saved."))
            return redirect(request.path)
    return render(request, "documents/letterhead_edit.html", {"form": form, "practitioner": practitioner,
                                                              "current": current},
                  status=400 if form.errors else 200)


@capability_required("admin.settings")
def letterhead_sample(request, user_id=None):
    """A sample PDF with the letterhead as saved."""
    practitioner = get_object_or_404(User, pk=user_id) if user_id else None
    pdf = render_pdf(template_name="documents/pdf/letter.html", request=request, context={
        "practitioner": practitioner, "body_html": format_html("<p>{}</p>", _("Sample letter: the letterhead as printed.")),
        "document_title": _("Letterhead")})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="letterhead.pdf"'
    return response
