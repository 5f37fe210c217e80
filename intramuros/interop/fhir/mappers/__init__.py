"""One module per resource type; importing them registers them."""

from intramuros.interop.fhir.mappers import observation, patient, practitioner  # noqa: F401

for _optional in ("forms", "encounter", "condition", "allergy", "immunization", "medication", "appointment",
                  "prescription", "document"):
    try:
        __import__(f"intramuros.interop.fhir.mappers.{_optional}")
    except ModuleNotFoundError as exc:  # a resource type whose mapper is not written yet
        if not exc.name.endswith(_optional):
            raise
