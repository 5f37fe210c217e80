"""Each FHIR resource type the software serves: how to build it from our records, search it, read it back.

A mapper module registers a `ResourceType`; views, export and import all work from this registry,
so adding a resource type is adding one mapper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet


class FhirInputError(ValueError):
    """The resource sent is not acceptable; the message goes into an OperationOutcome."""

    def __init__(self, message: str, *, code: str = "invalid", status: int = 400):
        super().__init__(message)
        self.code, self.status = code, status


@dataclass
class ResourceType:
    name: str  # FHIR resourceType
    queryset: Callable[[], QuerySet]
    to_fhir: Callable[[object], dict]
    search_params: dict[str, Callable[[QuerySet, str], QuerySet]] = field(default_factory=dict)
    from_fhir: Callable[..., object] | None = None  # (data, *, actor, existing=None, keep_id=False) -> object
    patient_of: Callable[[object], int | None] = lambda obj: None
    import_order: int = 50
    model_class: type | None = None
    search_doc: dict[str, str] = field(default_factory=dict)


REGISTRY: dict[str, ResourceType] = {}


def register(resource: ResourceType) -> ResourceType:
    REGISTRY[resource.name] = resource
    return resource


def load() -> dict[str, ResourceType]:
    """Import every mapper module (they register themselves)."""
    from intramuros.interop.fhir import mappers  # noqa: F401

    return REGISTRY


def ref_id(reference: str | None, expected_type: str) -> int:
    """'Patient/12' -> 12, refusing other types and malformed references."""
    if not reference or "/" not in reference:
        raise FhirInputError(f"a reference to a {expected_type} is required")
    kind, _, ident = reference.partition("/")
    if kind != expected_type or not ident.isdigit():
        raise FhirInputError(f"{reference!r} is not a reference to a {expected_type}")
    return int(ident)
