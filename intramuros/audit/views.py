"""The administrator's review of the log, the patient's access report, break-the-glass, the security page."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from intramuros.accounts.access import capability_required
from intramuros.accounts.network import client_address, is_local, is_local_address
from intramuros.audit import breakglass, labels, selectors
from intramuros.audit.forms import BreakGlassForm, LogFilterForm, SecurityPolicyForm
from intramuros.audit.models import SecurityPolicy
from intramuros.audit.services import record
from intramuros.core import lockdown

PAGE_SIZE = 50
BURST_DEFAULT_WINDOW = datetime.timedelta(days=7)


def _decorate(rows, burst_rows):
    for event in rows:
        event.flags = [(f, labels.FLAGS[f]) for f in selectors.row_flags(event, burst_rows)]
        event.description = labels.describe(event.action)
        event.remote = bool(event.ip) and not is_local_address(event.ip)
    return rows


@capability_required("audit.view")
def index(request):
    form = LogFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"actor": data["user"], "patient_id": data["patient"], "action": data["action"],
                   "since": data["since"], "until": data["until"], "flagged_only": data["flagged"],
                   "searched": data["searched"].strip()}
    qs = selectors.events(**filters)
    # Bursts are looked for in the chosen period, or in the last week when none is chosen.
    scanned = qs if filters.get("since") else qs.filter(at__gte=timezone.now() - BURST_DEFAULT_WINDOW)
    bursts, burst_rows = selectors.find_bursts(scanned)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(page.object_list, burst_rows)
    record(actor=request.user, action="audit.log.viewed", request=request,
           filters={k: str(v) for k, v in filters.items() if v not in (None, "", False)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/index.html", {"form": form, "page": page, "bursts": bursts,
                                                "query": query.urlencode()})


def _patient_or_404(patient_id: int):
    Patient = apps.get_model("patients", "Patient")
    patient = Patient.all_objects.filter(pk=patient_id).first()
    if patient is None:
        raise Http404
    return patient


def _report_context(request, patient_id: int) -> dict:
    patient = _patient_or_404(patient_id)
    rows = list(selectors.patient_accesses(patient.pk))
    _decorate(rows, set())
    return {"patient": patient, "rows": rows, "generated_at": timezone.now(), "generated_by": request.user}


@capability_required("audit.view")
def patient_report(request, patient_id: int):
    context = _report_context(request, patient_id)
    record(actor=request.user, action="audit.patient_report.viewed", patient=patient_id, request=request)
    return render(request, "audit/patient_report.html", context)


def render_report_pdf(context: dict) -> bytes:
    try:
        from intramuros.documents.pdf import render_pdf
    except ImportError:
        render_pdf = None
    if render_pdf is not None:
        return render_pdf(template_name="audit/pdf/patient_report.html", context=context)
    from django.template.loader import render_to_string
    from weasyprint import HTML

    def refuse(url, *args, **kwargs):
        raise ValueError(f"refused to fetch {url}: the report uses no outside resource")

    html = render_to_string("audit/pdf/patient_report_plain.html", context)
    return HTML(string=html, base_url="https://report.invalid/", url_fetcher=refuse).write_pdf()


@capability_required("audit.view")
def patient_report_pdf(request, patient_id: int):
    context = _report_context(request, patient_id)
    context["document_title"] = _("Accesses to the file of %(name)s") % {"name": context["patient"]}
    pdf = render_report_pdf(context)
    record(actor=request.user, action="audit.patient_report.printed", patient=patient_id, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="acces-dossier-{patient_id}.pdf"'
    return response


def _safe_next(request, default: str) -> str:
    """A local path to go back to; anything else (another site, a word that is not a path) gives `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if (target and target.startswith("/") and not target.startswith("//")
            and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())):
        return target
    return default


@capability_required("clinical.view")
@require_http_methods(["GET", "POST"])
def break_glass(request, patient_id: int):
    patient = _patient_or_404(patient_id)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        breakglass.grant(request=request, patient_id=patient.pk, reason=form.cleaned_data["reason"])
        messages.warning(request, _("You have opened this file with a reason: this access is recorded and will "
                                    "be reviewed."))
        return redirect(_safe_next(request, reverse("core:home")))
    return render(request, "audit/break_glass.html", {"form": form, "patient": patient,
                                                      "next": _safe_next(request, ""),
                                                      "hours": breakglass.GRANT_SECONDS // 3600})


@capability_required("admin.settings")
@require_http_methods(["GET", "POST"])
def security(request):
    policy = SecurityPolicy.current()
    form = SecurityPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        probe = SecurityPolicy(local_networks=data["local_networks"])
        if data["forbid_remote"] and not is_local_address(client_address(request), probe):
            form.add_error("forbid_remote", _("You are connected from outside the local networks: forbidding "
                                              "remote access would lock you out. Do it from the practice."))
        else:
            lockdown.security_policy_update(actor=request.user, local_networks=data["local_networks"],
                                            forbid_remote=data["forbid_remote"])
            messages.success(request, _("The security settings have been saved."))
            return redirect("audit:security")
    return render(request, "audit/security.html", {
        "form": form, "policy": policy, "address": client_address(request), "local": is_local(request)})


@capability_required("admin.settings")
@require_POST
def lockdown_switch(request):
    if request.POST.get("state") == "on":
        ended = lockdown.lockdown_on(actor=request.user)
        messages.warning(request, _("Lockdown is on: %(n)d remote session(s) ended; connections from outside the "
                                    "local networks are refused.") % {"n": ended})
    elif request.POST.get("state") == "off":
        lockdown.lockdown_off(actor=request.user)
        messages.success(request, _("The lockdown is lifted: remote access works again, with two-factor login."))
    return redirect("audit:security")
