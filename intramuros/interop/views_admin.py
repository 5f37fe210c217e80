"""Administration pages: API tokens for the FHIR API, and the CSV import of patients from another software."""

from __future__ import annotations

import base64

from django.contrib import messages as flash
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from intramuros.accounts.access import capability_required
from intramuros.interop.csv_import import CsvImportError, patients_import, read_csv
from intramuros.interop.fhir.tokens import api_token_create, api_token_revoke
from intramuros.interop.forms import CsvMappingForm, CsvUploadForm, TokenForm
from intramuros.interop.models import ApiToken

SESSION_KEY = "interop_csv_import"


@capability_required("interop.manage")
@require_http_methods(["GET", "POST"])
def tokens(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        # Shown on this page only, never stored: only its hash is kept.
        _token, new_token = api_token_create(actor=request.user, **form.cleaned_data)
        form = TokenForm()
    return render(request, "interop/tokens.html", {"form": form, "new_token": new_token,
                                                   "tokens": ApiToken.objects.select_related("created_by")})


@capability_required("interop.manage")
@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, revoked_at__isnull=True)
    api_token_revoke(actor=request.user, api_token=token)
    flash.success(request, _("The token “%(name)s” is revoked: tools using it are refused from now on.")
                  % {"name": token.name})
    return redirect("interop:tokens")


@capability_required("interop.manage")
@require_http_methods(["GET", "POST"])
def csv_upload(request):
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            read_csv(data)
        except CsvImportError as exc:
            form.add_error("file", str(exc))
        else:
            # Kept in the session (the encrypted database) between the steps, never on disk in clear.
            request.session[SESSION_KEY] = {"name": form.cleaned_data["file"].name[:200],
                                            "data": base64.b64encode(data).decode()}
            return redirect("interop:csv_mapping")
    return render(request, "interop/csv_upload.html", {"form": form})


@capability_required("interop.manage")
@require_http_methods(["GET", "POST"])
def csv_mapping(request):
    stored = request.session.get(SESSION_KEY)
    if not stored:
        flash.error(request, _("Upload the CSV file first."))
        return redirect("interop:csv_upload")
    data = base64.b64decode(stored["data"])
    headers, rows = read_csv(data)
    form = CsvMappingForm(request.POST or None, headers=headers)
    report = None
    if request.method == "POST" and form.is_valid():
        apply = "apply" in request.POST
        try:
            report = patients_import(actor=request.user, data=data, mapping=form.mapping(), apply=apply,
                                     date_format=form.cleaned_data["date_format"],
                                     skip_bad_rows=form.cleaned_data["skip_bad_rows"])
        except CsvImportError as exc:
            form.add_error(None, str(exc))
            apply = False
        if report is not None and report.applied:
            del request.session[SESSION_KEY]
            flash.success(request, _("%(n)s patient(s) imported.") % {"n": report.count("created")})
            return render(request, "interop/csv_done.html", {"report": report, "name": stored["name"]})
        if apply and report is not None:
            flash.error(request, _("Nothing was imported: some rows are rejected. Correct the file, or tick "
                                   "“Import the good rows even if some are rejected”."))
    return render(request, "interop/csv_mapping.html", {"form": form, "report": report, "name": stored["name"],
                                                        "preview": rows[:3], "headers": headers})


@capability_required("interop.manage")
@require_POST
def csv_cancel(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("interop:csv_upload")
