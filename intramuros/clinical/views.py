"""Pages of the medical record. Every read goes through patients.access.patient_for_user (logged)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros.accounts.access import capability_required
from intramuros.clinical import charts, formschema, icd10, selectors, services
from intramuros.clinical.forms import ITEM_FORMS, ConsultationForm, FormChoiceForm, FormSourceForm, SchemaForm
from intramuros.clinical.history import history_rows
from intramuros.clinical.models import Consultation, FormDefinition, FormVersion
from intramuros.clinical.timeline import KIND_LABELS
from intramuros.core.forms import apply_errors
from intramuros.patients.access import patient_for_user

ITEM_KINDS = {**services.RECORD_MODELS, "consultation": Consultation}


def _item(patient, kind: str, pk: int, *, deleted: bool = False):
    model = ITEM_KINDS.get(kind) or _raise404()
    manager = model.all_objects if deleted else model.objects
    return get_object_or_404(manager, pk=pk, patient=patient)


def _raise404():
    raise Http404


@capability_required("clinical.view")
def summary(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="summary")
    return render(request, "clinical/summary.html", {"patient": patient, "s": selectors.summary_for(patient)})


@capability_required("clinical.view")
def record(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="record")
    return render(request, "clinical/record.html", {"patient": patient, **selectors.record_for(patient)})


@capability_required("clinical.edit")
def item_add(request, patient_id, kind):
    patient = patient_for_user(request.user, patient_id, part="record")
    form_class = ITEM_FORMS.get(kind) or _raise404()
    form = form_class(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        try:
            services.record_item_create(kind=kind, patient=patient, actor=request.user, data=form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("clinical:record", patient_id=patient.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "clinical/item_form.html", {"patient": patient, "form": form, "kind": kind,
                                                       "title": form_class.Meta.model._meta.verbose_name})


@capability_required("clinical.edit")
def item_edit(request, patient_id, kind, pk):
    patient = patient_for_user(request.user, patient_id, part="record")
    form_class = ITEM_FORMS.get(kind) or _raise404()
    item = _item(patient, kind, pk)
    form = form_class(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_item_update(item=item, actor=request.user, data=form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("clinical:record", patient_id=patient.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "clinical/item_form.html", {"patient": patient, "form": form, "kind": kind,
                                                       "item": item, "title": item._meta.verbose_name})


@require_POST
@capability_required("clinical.edit")
def item_delete(request, patient_id, kind, pk):
    patient = patient_for_user(request.user, patient_id, part="record")
    services.record_item_delete(item=_item(patient, kind, pk), actor=request.user)
    messages.success(request, _("Deleted. An administrator can restore it."))
    return redirect("clinical:consultations" if kind == "consultation" else "clinical:record", patient_id=patient.pk)


@require_POST
@capability_required("clinical.edit")
def treatment_stop(request, patient_id, pk):
    patient = patient_for_user(request.user, patient_id, part="record")
    services.treatment_stop(treatment=_item(patient, "treatment", pk), actor=request.user)
    messages.success(request, _("Treatment stopped: it stays in the past treatments."))
    return redirect("clinical:record", patient_id=patient.pk)


@require_POST
@capability_required("records.restore")
def item_restore(request, patient_id, kind, pk):
    patient = patient_for_user(request.user, patient_id, part="record")
    services.record_item_restore(item=_item(patient, kind, pk, deleted=True), actor=request.user)
    messages.success(request, _("Restored."))
    return redirect("clinical:deleted", patient_id=patient.pk)


@capability_required("records.restore")
def deleted(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="record")
    return render(request, "clinical/deleted.html", {"patient": patient,
                                                     "items": selectors.deleted_items_for(patient)})


@capability_required("clinical.view")
def item_history(request, patient_id, kind, pk):
    patient = patient_for_user(request.user, patient_id, part="record")
    item = _item(patient, kind, pk, deleted=True)
    return render(request, "clinical/history.html", {"patient": patient, "item": item, "kind": kind,
                                                     "rows": history_rows(item)})


@capability_required("clinical.view")
def consultations(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="consultation")
    return render(request, "clinical/consultations.html",
                  {"patient": patient, "consultations": selectors.consultations_for(patient)})


@capability_required("clinical.view")
def consultation_detail(request, patient_id, pk):
    patient = patient_for_user(request.user, patient_id, part="consultation")
    consultation = selectors.consultation_of(patient, pk) or _raise404()
    return render(request, "clinical/consultation_detail.html", {
        "patient": patient, "c": consultation, "diagnoses": selectors.diagnoses_of(consultation),
        "form_rows": selectors.form_display_of(consultation)})


def _chosen_version(request) -> FormVersion | None:
    """The form version of a new consultation: posted (as shown when the page was opened) or chosen by GET."""
    if request.method == "POST" and request.POST.get("form_version"):
        posted = request.POST["form_version"]
        if not posted.isdigit():
            raise Http404
        return get_object_or_404(FormVersion, pk=int(posted))
    if "form" not in request.GET:  # by default, the form of the practitioner's specialty when there is one
        offered = list(selectors.offered_forms().filter(specialty=request.user.specialty)[:2])
        return offered[0].current_version if len(offered) == 1 and request.user.specialty else None
    choice = FormChoiceForm(request.GET)
    if choice.is_valid() and choice.cleaned_data["form"]:
        return choice.cleaned_data["form"].current_version
    return None


@capability_required("clinical.edit")
def consultation_create(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="consultation")
    services.forms_sync_shipped()
    version = _chosen_version(request)
    form = ConsultationForm(request.POST or None)
    schema_form = SchemaForm(request.POST or None, schema=version.schema) if version else None
    if request.method == "POST" and form.is_valid() and (schema_form is None or schema_form.is_valid()):
        try:
            c = services.consultation_create(
                patient=patient, practitioner=request.user, actor=request.user, data=form.model_data(),
                diagnoses=form.diagnosis_codes(), form_version=version,
                form_values=schema_form.typed_values() if schema_form else None)
            return redirect("clinical:consultation_detail", patient_id=patient.pk, pk=c.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "clinical/consultation_form.html", {
        "patient": patient, "form": form, "schema_form": schema_form, "version": version,
        "choice": FormChoiceForm(initial={"form": version.definition_id if version else None})})


@capability_required("clinical.edit")
def consultation_edit(request, patient_id, pk):
    patient = patient_for_user(request.user, patient_id, part="consultation")
    c = get_object_or_404(Consultation.objects.select_related("form_version"), pk=pk, patient=patient)
    version = c.form_version  # never changes: values stay read with the version they were entered with
    form = ConsultationForm(request.POST or None, instance=c)
    stored = selectors.form_values_of(c)
    schema_form = SchemaForm(request.POST or None, schema=version.schema, stored=stored) if version else None
    if request.method == "POST" and form.is_valid() and (schema_form is None or schema_form.is_valid()):
        try:
            services.consultation_update(consultation=c, actor=request.user, data=form.model_data(),
                                         diagnoses=form.diagnosis_codes(),
                                         form_values=schema_form.typed_values() if schema_form else None)
            return redirect("clinical:consultation_detail", patient_id=patient.pk, pk=c.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "clinical/consultation_form.html", {
        "patient": patient, "form": form, "schema_form": schema_form, "version": version, "c": c})


def _period(request) -> tuple[datetime.datetime | None, datetime.datetime | None, dict]:
    tz = timezone.get_current_timezone()
    values = {}
    for name in ("since", "until"):
        try:
            values[name] = datetime.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            values[name] = None
    since = datetime.datetime.combine(values["since"], datetime.time.min, tz) if values["since"] else None
    until = datetime.datetime.combine(values["until"], datetime.time.max, tz) if values["until"] else None
    return since, until, values


@capability_required("clinical.view")
def timeline(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="record")
    kinds = [k for k in request.GET.getlist("kind") if k]
    since, until, period = _period(request)
    entries = selectors.file_timeline(patient=patient, user=request.user, kinds=kinds or None, since=since,
                                      until=until)
    return render(request, "clinical/timeline.html", {
        "patient": patient, "entries": entries, "kinds": kinds, "period": period,
        "kind_labels": KIND_LABELS, "kind_choices": sorted(KIND_LABELS.items(), key=lambda kv: str(kv[1]))})


@capability_required("clinical.view")
def chart_page(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="record")
    return render(request, "clinical/charts.html", {
        "patient": patient,
        "vitals_charts": charts.vitals_charts(selectors.vitals_series(patient, charts.vital_fields())),
        "growth_charts": charts.growth_charts(sex=patient.sex, points=selectors.growth_points(patient))})


@capability_required("clinical.view")
def icd10_search(request):
    field = request.GET.get("field", "q")
    text = request.GET.get(field) or request.GET.get("q", "")
    if "," in text:  # a list of codes: search the one being typed
        text = text.rsplit(",", 1)[1]
    return render(request, "clinical/icd10_results.html", {
        "results": icd10.icd10_search(text), "text": text.strip(), "target": request.GET.get("target", ""),
        "multiple": request.GET.get("multiple") == "1", "label_target": request.GET.get("label_target", "")})


@capability_required("admin.settings")
def form_list(request):
    services.forms_sync_shipped(actor=request.user)
    return render(request, "clinical/form_list.html", {"definitions": FormDefinition.objects.order_by("title")
                                                       .prefetch_related("versions")})


@capability_required("admin.settings")
def form_edit(request, pk=None):
    definition = get_object_or_404(FormDefinition, pk=pk) if pk else None
    current = definition.current_version if definition else None
    form = FormSourceForm(request.POST or None, request.FILES or None,
                          initial={"source": current.source if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.form_definition_save(source=form.cleaned_data["source"], actor=request.user,
                                                    definition=definition)
            messages.success(request, _("Form saved as version %(n)d.") % {"n": version.number})
            return redirect("clinical:form_edit", pk=version.definition_id)
        except formschema.FormSchemaError as exc:
            form.add_error("source", str(exc))
    return render(request, "clinical/form_edit.html", {"form": form, "definition": definition, "current": current})


@capability_required("admin.settings")
def form_version(request, pk, number):
    version = get_object_or_404(FormVersion.objects.select_related("definition", "created_by"),
                                definition_id=pk, number=number)
    return render(request, "clinical/form_version.html", {"version": version,
                                                          "preview": SchemaForm(schema=version.schema)})
