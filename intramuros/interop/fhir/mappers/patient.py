"""Patient <-> our patient identity."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from intramuros.core.text import validation_text
from intramuros.interop.fhir.mappers.common import GENDER_FROM_FHIR, GENDER_TO_FHIR, NIR_SYSTEM
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, ref_id, register
from intramuros.patients.models import Patient

BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"


def to_fhir(p: Patient) -> dict:
    names = [{"use": "official", "family": p.birth_name, "given": p.first_names.split()}]
    if p.used_name:
        names.append({"use": "usual", "family": p.used_name, "given": p.first_names.split()})
    telecom = [{"system": "phone", "value": v, "use": use}
               for v, use in ((p.phone_mobile, "mobile"), (p.phone_home, "home")) if v]
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    data = {"resourceType": "Patient", "id": str(p.pk), "active": not p.is_deleted, "name": names,
            "gender": GENDER_TO_FHIR.get(p.sex, "unknown"), "birthDate": p.birth_date.isoformat()}
    if p.nir:
        data["identifier"] = [{"system": NIR_SYSTEM, "value": p.nir}]
    if telecom:
        data["telecom"] = telecom
    if p.address or p.postal_code or p.city:
        address = {"line": [p.address]} if p.address else {}
        address.update({k: v for k, v in (("postalCode", p.postal_code), ("city", p.city)) if v})
        data["address"] = [address]
    if p.birth_place:
        data["extension"] = [{"url": BIRTH_PLACE, "valueAddress": {"city": p.birth_place}}]
    if p.referring_practitioner_id:
        data["generalPractitioner"] = [{"reference": f"Practitioner/{p.referring_practitioner_id}"}]
    return data


def fields_from_fhir(data: dict) -> dict:
    names = data.get("name") or []
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if not official or not official.get("family"):
        raise FhirInputError("Patient.name needs a family name")
    usual = next((n for n in names if n.get("use") == "usual" and n is not official), None)
    gender = data.get("gender", "unknown")
    if gender not in GENDER_FROM_FHIR:
        raise FhirInputError(f"Patient.gender {gender!r} is not a FHIR gender (female, male, other, unknown)")
    try:
        birth = datetime.date.fromisoformat(data.get("birthDate", ""))
    except ValueError:
        raise FhirInputError("Patient.birthDate must be a full date (YYYY-MM-DD)") from None
    fields = {"birth_name": official["family"], "used_name": (usual or {}).get("family", ""),
              "first_names": " ".join(official.get("given") or []), "sex": GENDER_FROM_FHIR[gender],
              "birth_date": birth, "nir": "", "phone_mobile": "", "phone_home": "", "email": "",
              "address": "", "postal_code": "", "city": "", "birth_place": ""}
    for ident in data.get("identifier") or []:
        if ident.get("system") == NIR_SYSTEM:
            fields["nir"] = ident.get("value", "")
    for t in data.get("telecom") or []:
        if t.get("system") == "phone":
            fields["phone_home" if t.get("use") == "home" else "phone_mobile"] = t.get("value", "")
        elif t.get("system") == "email":
            fields["email"] = t.get("value", "")
    if data.get("address"):
        a = data["address"][0]
        fields.update(address=" ".join(a.get("line") or []), postal_code=a.get("postalCode", ""),
                      city=a.get("city", ""))
    for ext in data.get("extension") or []:
        if ext.get("url") == BIRTH_PLACE:
            fields["birth_place"] = (ext.get("valueAddress") or {}).get("city", "")
    gp = (data.get("generalPractitioner") or [{}])[0].get("reference")
    if gp:
        from intramuros.accounts.models import User

        user = User.objects.filter(pk=ref_id(gp, "Practitioner")).first()
        if user is None:
            raise FhirInputError(f"{gp} does not exist", code="not-found", status=422)
        fields["referring_practitioner"] = user
    return fields


def from_fhir(data: dict, *, actor, existing: Patient | None = None, keep_id: bool = False) -> Patient:
    from intramuros.patients import services

    fields = fields_from_fhir(data)
    try:
        if existing is not None:
            return services.patient_update(actor=actor, patient=existing, **fields)
        if keep_id:
            patient = Patient(pk=int(data["id"]), **fields)
            services._validate_patient(patient)
            services._save_with_history(patient, actor)
            if data.get("active") is False:
                services.patient_delete(actor=actor, patient=patient, reason="imported as inactive")
            return patient
        return services.patient_register(actor=actor, confirm_duplicate=False, **fields)
    except services.DuplicateSuspected as exc:
        raise FhirInputError(f"this patient looks like Patient/{exc.candidates[0].patient.pk}: update it instead",
                             code="duplicate", status=409) from None
    except ValidationError as exc:
        raise FhirInputError(validation_text(exc), status=422) from None


def _search_name(qs, value):
    from intramuros.core.text import fold

    return qs.filter(search_names__contains=fold(value))


def _search_identifier(qs, value):
    return qs.filter(nir=value.rsplit("|", 1)[-1])


def _search_birthdate(qs, value):
    try:
        return qs.filter(birth_date=datetime.date.fromisoformat(value))
    except ValueError:
        raise FhirInputError("birthdate must be YYYY-MM-DD") from None


register(ResourceType(
    name="Patient", queryset=lambda: Patient.all_objects.select_related("referring_practitioner").order_by("pk"),
    to_fhir=to_fhir, from_fhir=from_fhir, patient_of=lambda p: p.pk, import_order=20, model_class=Patient,
    foreign=lambda d: True,
    search_params={"name": _search_name, "family": _search_name, "identifier": _search_identifier,
                   "birthdate": _search_birthdate},
    search_doc={"name": "string", "family": "string", "identifier": "token", "birthdate": "date"}))
