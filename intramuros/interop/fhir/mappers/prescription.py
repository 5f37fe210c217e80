"""MedicationRequest "rx-N" <-> one line of an issued prescription (intent "order").

The lines of one prescription share its groupIdentifier; what belongs to the prescription as a whole
(date, layout, notes, the safety warnings shown at signing and the reason for going on) is repeated on
each line as an extension, so that the import rebuilds the prescription from its first line. The drug
is coded with its CIS (the French drug catalogue's identifier). A prescription is signed after safety
checks in the software: the API reads it but never writes one.
"""

from __future__ import annotations

from intramuros.accounts.models import User
from intramuros.interop.fhir.mappers.clinical_common import DELETED, patient_from
from intramuros.interop.fhir.mappers.common import extension, pack, patient_search, unpack
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, is_id_number, ref_id, register
from intramuros.prescriptions.models import Drug, Prescription, PrescriptionLine

CIS_SYSTEM = "urn:oid:1.2.250.1.213.2.3.1"
ATC_SYSTEM = "http://www.whocc.no/atc"
GROUP_SYSTEM = "urn:intramuros:prescription"
LINE = "urn:intramuros:prescription#line"
HEADER = "urn:intramuros:prescription#header"
NON_SUBSTITUTABLE = "urn:intramuros:non-substitutable"
LINE_SPEC = {"position": "integer", "kind": "code", "quantity": "decimal", "unit": "string", "frequency": "code",
             "frequency_count": "integer", "moments": "json", "duration": "integer", "duration_unit": "code",
             "ald": "boolean"}
HEADER_SPEC = {"layout": "code", "page_size": "code", "notes": "string", "safety_warnings": "json",
               "override_reason": "string", "renewal_of": "integer", "created_at": "datetime"}


def to_fhir(line: PrescriptionLine) -> dict:
    rx = line.prescription
    medication = {"text": line.label}
    if line.drug_id:
        medication["coding"] = [{"system": CIS_SYSTEM, "code": line.drug.cis, "display": line.drug.name}]
        atc = getattr(line.drug, "atc", "")  # the catalogue may learn ATC codes; send them when known
        if atc:
            medication["coding"].append({"system": ATC_SYSTEM, "code": atc})
    header = {name: getattr(rx, name) for name in HEADER_SPEC if name != "renewal_of"}
    header["renewal_of"] = rx.renewal_of_id
    data = {"resourceType": "MedicationRequest", "id": LINES.fhir_id(line.pk),
            "status": "entered-in-error" if rx.deleted_at else "active", "intent": "order",
            "subject": {"reference": f"Patient/{rx.patient_id}"},
            "requester": {"reference": f"Practitioner/{rx.prescriber_id}"}, "authoredOn": rx.issued_at.isoformat(),
            "groupIdentifier": {"system": GROUP_SYSTEM, "value": str(rx.pk)},
            "medicationCodeableConcept": medication,
            "substitution": {"allowedBoolean": not line.non_substitutable},
            "extension": [e for e in (pack(LINE, line, LINE_SPEC), pack(HEADER, header, HEADER_SPEC)) if e]}
    if line.non_substitutable:
        data["substitution"]["reason"] = {"coding": [{"system": NON_SUBSTITUTABLE, "code": line.non_substitutable}]}
    dosage = {k: v for k, v in (("text", line.dosage_text), ("patientInstruction", line.instructions)) if v}
    if dosage:
        data["dosageInstruction"] = [dosage]
    if line.renewals:
        data["dispenseRequest"] = {"numberOfRepeatsAllowed": line.renewals}
    if rx.deleted_at:
        data["extension"].append({"url": DELETED, "valueDateTime": rx.deleted_at.isoformat()})
    return data


def _drug(coding: dict, label: str) -> Drug:
    """The catalogue's drug by its CIS; a practice moving in may not have loaded the catalogue yet, so
    the drug is then kept as a withdrawn entry (hidden from search) until the next catalogue import
    brings its full description."""
    from django.utils import timezone

    drug = Drug.objects.filter(cis=coding["code"]).first()
    if drug is None:
        drug = Drug.objects.create(cis=coding["code"][:8], name=(coding.get("display") or label)[:500],
                                   withdrawn_at=timezone.now())
    return drug


def _prescription(data: dict) -> Prescription:
    from django.utils.dateparse import parse_datetime

    group = data.get("groupIdentifier") or {}
    if group.get("system") != GROUP_SYSTEM or not is_id_number(str(group.get("value", ""))):
        raise FhirInputError(f"MedicationRequest.groupIdentifier must name the prescription ({GROUP_SYSTEM})")
    found = Prescription.all_objects.filter(pk=int(group["value"])).first()
    if found is not None:
        return found
    requester = (data.get("requester") or {}).get("reference")
    prescriber = User.objects.filter(pk=ref_id(requester, "Practitioner")).first()
    issued = parse_datetime(data.get("authoredOn", ""))
    if prescriber is None or issued is None:
        raise FhirInputError("a prescription needs an existing requester Practitioner and authoredOn", status=422)
    header = unpack(data, HEADER, HEADER_SPEC)
    renewal_of = header.pop("renewal_of", None)
    rx = Prescription(pk=int(group["value"]), patient=patient_from(data, "subject"), prescriber=prescriber,
                      issued_at=issued, renewal_of_id=renewal_of, **header)
    deleted = extension(data, DELETED)
    if deleted:
        rx.deleted_at = parse_datetime(deleted.get("valueDateTime", ""))
    rx.save()
    return rx


def from_fhir(data, *, actor, existing=None, keep_id=False):
    if existing is not None or not keep_id:
        raise FhirInputError("prescriptions are signed in the software after its safety checks; the API reads them",
                             code="not-supported", status=405)
    if data.get("intent") != "order":
        raise FhirInputError("a prescription line is a MedicationRequest with intent 'order'")
    rx = _prescription(data)
    medication = data.get("medicationCodeableConcept") or {}
    cis = next((c for c in medication.get("coding") or [] if c.get("system") == CIS_SYSTEM and c.get("code")), None)
    label = medication.get("text") or (cis or {}).get("display", "")
    dosage = (data.get("dosageInstruction") or [{}])[0]
    reason = ((data.get("substitution") or {}).get("reason") or {}).get("coding") or [{}]
    line = PrescriptionLine(pk=LINES.pk_from(str(data["id"])), prescription=rx, label=label[:500],
                            drug=_drug(cis, label) if cis else None, dosage_text=dosage.get("text", ""),
                            instructions=dosage.get("patientInstruction", ""),
                            renewals=(data.get("dispenseRequest") or {}).get("numberOfRepeatsAllowed", 0),
                            non_substitutable=reason[0].get("code", "") if reason[0].get("system") ==
                            NON_SUBSTITUTABLE else "", **unpack(data, LINE, LINE_SPEC))
    if line.kind == "drug" and not line.label:
        raise FhirInputError("a drug line needs medicationCodeableConcept.text", status=422)
    line.save()
    return line


LINES = register(ResourceType(
    name="MedicationRequest", id_prefix="rx",
    queryset=lambda: PrescriptionLine.objects.select_related("prescription", "drug").order_by("pk"),
    to_fhir=to_fhir, from_fhir=from_fhir, patient_of=lambda line: line.prescription.patient_id, import_order=46,
    model_class=PrescriptionLine, also_models=(Prescription, Drug),
    search_params={"patient": lambda qs, v: patient_search(qs, v, "prescription__patient_id"),
                   "code": lambda qs, v: qs.filter(drug__cis=v.rsplit("|", 1)[-1])},
    search_doc={"patient": "reference", "code": "token"}))
