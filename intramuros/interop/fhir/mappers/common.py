"""Codes and systems shared by the mappers."""

NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"  # INS-NIR, French national health identifier
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
USERNAME_SYSTEM = "urn:intramuros:username"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"

GENDER_TO_FHIR = {"F": "female", "M": "male", "X": "unknown"}
GENDER_FROM_FHIR = {"female": "F", "male": "M", "other": "X", "unknown": "X"}


def system_for(code_system: str) -> str:
    return {"LN": LOINC, "LOINC": LOINC, "I10": ICD10}.get(code_system.upper(), f"urn:intramuros:code:{code_system}"
                                                            if code_system else "urn:intramuros:code:local")


def code_system_from(system: str) -> str:
    if system == LOINC:
        return "LN"
    if system == ICD10:
        return "I10"
    return system.removeprefix("urn:intramuros:code:") if system.startswith("urn:intramuros:code:") else ""


# --- flat records as one complex extension: what FHIR has no element for still travels, losslessly ---
_KIND_KEY = {"string": "valueString", "integer": "valueInteger", "decimal": "valueDecimal", "boolean": "valueBoolean",
             "datetime": "valueDateTime", "code": "valueCode", "date": "valueDate", "json": "valueString"}


def pack(url: str, obj, spec: dict[str, str]) -> dict | None:
    """{"url": url, "extension": [{"url": field, "value<Type>": ...}]} for the fields of `obj` that are set.

    spec: field -> "string" | "integer" | "decimal" | "boolean" | "datetime" | "date" | "code" | "json".
    """
    import json

    parts = []
    for name, kind in spec.items():
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name)
        if value is None or value == "" or (kind == "json" and value in ([], {})):
            continue
        if kind == "json":
            value = json.dumps(value, sort_keys=True, ensure_ascii=False)
        elif kind in ("datetime", "date"):
            value = value.isoformat()
        elif kind == "decimal":
            value = float(value)
        elif kind == "string":
            value = str(value)
        parts.append({"url": name, _KIND_KEY[kind]: value})
    return {"url": url, "extension": parts} if parts else None


def unpack(data: dict, url: str, spec: dict[str, str]) -> dict:
    """The fields packed by `pack` (missing ones absent), converted back to Python values."""
    import datetime
    import json
    from decimal import Decimal

    from django.utils.dateparse import parse_datetime

    found = next((e for e in data.get("extension") or [] if e.get("url") == url), None)
    values = {}
    for part in (found or {}).get("extension") or []:
        name, kind = part.get("url"), spec.get(part.get("url", ""))
        if kind is None or _KIND_KEY[kind] not in part:
            continue
        value = part[_KIND_KEY[kind]]
        try:
            if kind == "json":
                value = json.loads(value)
            elif kind == "datetime":
                value = parse_datetime(value)
            elif kind == "date":
                value = datetime.date.fromisoformat(value)
            elif kind == "decimal":
                value = Decimal(str(value))
        except ValueError:
            from intramuros.interop.fhir.registry import FhirInputError

            raise FhirInputError(f"extension {url}#{name}: {value!r} is not a valid {kind}") from None
        values[name] = value
    return values


def extension(data: dict, url: str) -> dict:
    return next((e for e in data.get("extension") or [] if e.get("url") == url), {})


def patient_search(qs, value, field: str = "patient_id"):
    from intramuros.interop.fhir.registry import ref_id

    return qs.filter(**{field: ref_id(value if "/" in value else f"Patient/{value}", "Patient")})


def concept_text(concept: dict | None) -> str:
    """A CodeableConcept's words: its text, else its first coding's display (other software often sends only that)."""
    concept = concept or {}
    return concept.get("text") or next((c.get("display") for c in concept.get("coding") or [] if c.get("display")),
                                       "")


def always(_data: dict) -> bool:
    return True
