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
