"""Validation with the `fhir.resources` R4B models: a resource we emit or accept must be valid FHIR."""

from __future__ import annotations

import importlib

from pydantic import ValidationError

from intramuros.interop.fhir.registry import FhirInputError


def _model(resource_type: str):
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


def validated(data: dict) -> dict:
    """Return the resource as FHIR JSON after a round through the R4B model; FhirInputError if invalid."""
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise FhirInputError("the body must be a FHIR resource (a JSON object with a resourceType)")
    try:
        model = _model(data["resourceType"])
    except (ImportError, AttributeError):
        raise FhirInputError(f"unknown resource type {data['resourceType']!r}", code="not-supported") from None
    try:
        resource = model.model_validate(data)
    except (ValidationError, ValueError, TypeError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) and exc.errors() else None
        where = ".".join(str(p) for p in first["loc"]) if first else ""
        message = first["msg"] if first else str(exc)
        raise FhirInputError(f"invalid {data['resourceType']}: {where}: {message}".replace(": :", ":")) from None
    return resource.model_dump(mode="json", exclude_none=True, by_alias=True)


def operation_outcome(message: str, *, code: str = "invalid", severity: str = "error") -> dict:
    return validated({"resourceType": "OperationOutcome",
                      "issue": [{"severity": severity, "code": code, "diagnostics": message[:1000]}]})
