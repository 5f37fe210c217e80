"""The practice's configurable forms travel as Questionnaire ("form-N", one per form version, with its
YAML source) and the values entered in a consultation as QuestionnaireResponse ("formvalues-N", N being
the consultation), so that a form's values are always read back with the version they were entered in.
"""

from __future__ import annotations

import datetime
import json

from intramuros.clinical.models import Consultation, FormDefinition, FormValue, FormVersion
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, ref_id, register

FORM = "urn:intramuros:form"


def questionnaire_out(v: FormVersion) -> dict:
    d = v.definition
    ext = [{"url": f"{FORM}#source", "valueString": v.source}, {"url": f"{FORM}#active", "valueBoolean": d.active}]
    for field in ("title_fr", "specialty"):
        if getattr(d, field):
            ext.append({"url": f"{FORM}#{field}", "valueString": getattr(d, field)})
    return {"resourceType": "Questionnaire", "id": QUESTIONNAIRES.fhir_id(v.pk), "status": "active", "name": d.key,
            "title": d.title, "version": str(v.number), "extension": ext}


def questionnaire_in(data, *, actor, existing=None, keep_id=False):
    from intramuros.clinical import formschema

    if existing is not None:
        raise FhirInputError("forms are edited in the practice's form administration", code="not-supported",
                             status=405)
    ext = {e.get("url", "").partition("#")[2]: e for e in data.get("extension") or [] if
           e.get("url", "").startswith(FORM)}
    source = (ext.get("source") or {}).get("valueString", "")
    try:
        schema = formschema.parse_form(source)
    except Exception as exc:  # the form parser says precisely what is wrong
        raise FhirInputError(f"form {data.get('name')}: {exc}", status=422) from None
    definition, _ = FormDefinition.objects.get_or_create(key=data.get("name", schema["key"]), defaults={
        "title": data.get("title", ""), "title_fr": (ext.get("title_fr") or {}).get("valueString", ""),
        "specialty": (ext.get("specialty") or {}).get("valueString", ""),
        "active": (ext.get("active") or {}).get("valueBoolean", True)})
    version = FormVersion(definition=definition, number=int(data.get("version", "1")), schema=schema, source=source)
    if keep_id:
        version.pk = QUESTIONNAIRES.pk_from(str(data["id"]))
    version.save()
    return version


def _answer(value: FormValue) -> dict:
    if value.value_json is not None:
        return {"valueString": json.dumps(value.value_json, sort_keys=True, ensure_ascii=False),
                "extension": [{"url": f"{FORM}#json", "valueBoolean": True}]}
    if value.value_bool is not None:
        return {"valueBoolean": value.value_bool}
    if value.value_date is not None:
        return {"valueDate": value.value_date.isoformat()}
    if value.value_number is not None:
        return {"valueDecimal": value.value_number}
    return {"valueString": value.value_text}


def response_out(c: Consultation) -> dict:
    values = sorted(c.form_values.all(), key=lambda v: v.key)
    version_id = values[0].version_id if values else c.form_version_id
    return {"resourceType": "QuestionnaireResponse", "id": RESPONSES.fhir_id(c.pk), "status": "completed",
            "questionnaire": f"Questionnaire/{QUESTIONNAIRES.fhir_id(version_id)}",
            "subject": {"reference": f"Patient/{c.patient_id}"}, "encounter": {"reference": f"Encounter/{c.pk}"},
            "item": [{"linkId": v.key, "answer": [_answer(v)]} for v in values]}


def response_in(data, *, actor, existing=None, keep_id=False):
    consultation = Consultation.all_objects.filter(
        pk=ref_id((data.get("encounter") or {}).get("reference"), "Encounter")).first()
    version = FormVersion.objects.filter(
        pk=QUESTIONNAIRES.pk_from(str(data.get("questionnaire", "")).rpartition("/")[2]) or 0).first()
    if consultation is None or version is None:
        raise FhirInputError("the form values refer to a consultation or a form that does not exist", status=422)
    rows = []
    for item in data.get("item") or []:
        answer = (item.get("answer") or [{}])[0]
        row = FormValue(consultation=consultation, patient_id=consultation.patient_id, version=version,
                        key=item.get("linkId", "")[:60])
        if any(e.get("url") == f"{FORM}#json" for e in answer.get("extension") or []):
            row.value_json = json.loads(answer.get("valueString", "null"))
        elif "valueBoolean" in answer:
            row.value_bool = answer["valueBoolean"]
        elif "valueDate" in answer:
            row.value_date = datetime.date.fromisoformat(answer["valueDate"])
        elif "valueDecimal" in answer:
            row.value_number = float(answer["valueDecimal"])
        else:
            row.value_text = answer.get("valueString", "")
        rows.append(row)
    FormValue.objects.bulk_create(rows)
    return consultation


QUESTIONNAIRES = register(ResourceType(
    name="Questionnaire", id_prefix="form", queryset=lambda: FormVersion.objects.select_related("definition")
    .order_by("pk"), to_fhir=questionnaire_out, from_fhir=questionnaire_in, import_order=5,
    model_class=FormVersion))
RESPONSES = register(ResourceType(
    name="QuestionnaireResponse", id_prefix="formvalues",
    queryset=lambda: Consultation.all_objects.filter(form_values__isnull=False).distinct().order_by("pk")
    .prefetch_related("form_values"),
    to_fhir=response_out, from_fhir=response_in, patient_of=lambda c: c.patient_id, import_order=57,
    search_params={"patient": lambda qs, v: qs.filter(patient_id=ref_id(v if "/" in v else f"Patient/{v}",
                                                                         "Patient"))},
    search_doc={"patient": "reference"}))
