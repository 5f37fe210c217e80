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
    # Data from another software (ids not ours): whether this record type takes that resource.
    foreign: Callable[[dict], bool] | None = None
    also_models: tuple = ()  # other tables an import writes ids into (their sequences are reset afterwards)
    search_doc: dict[str, str] = field(default_factory=dict)
    # Several of our record types may make one FHIR type (lab results and vital signs are both
    # Observations): each has its own id prefix ("lab-12"); the one without prefix uses the bare pk.
    id_prefix: str = ""
    # Whether the API may create/update it; by default only the record type without prefix may.
    api_write: bool | None = None

    @property
    def writable(self) -> bool:
        return self.from_fhir is not None and (not self.id_prefix if self.api_write is None else self.api_write)

    @property
    def key(self) -> str:
        return f"{self.name}:{self.id_prefix}" if self.id_prefix else self.name

    def fhir_id(self, pk) -> str:
        return f"{self.id_prefix}-{pk}" if self.id_prefix else str(pk)

    def pk_from(self, ident: str) -> int | None:
        if self.id_prefix:
            if not ident.startswith(self.id_prefix + "-"):
                return None
            ident = ident[len(self.id_prefix) + 1:]
        return int(ident) if is_id_number(ident) else None


def is_id_number(text: str) -> bool:
    """Plain ASCII digits, short enough for a 64-bit id (int() would take '٣', and huge numbers overflow)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


REGISTRY: dict[str, ResourceType] = {}


def register(resource: ResourceType) -> ResourceType:
    REGISTRY[resource.key] = resource
    return resource


def load() -> dict[str, ResourceType]:
    """Import every mapper module (they register themselves)."""
    from intramuros.interop.fhir import mappers  # noqa: F401

    return REGISTRY


def sources(fhir_type: str) -> list[ResourceType]:
    """The record types making one FHIR type, in a fixed order."""
    return sorted((r for r in load().values() if r.name == fhir_type), key=lambda r: r.id_prefix)


def fhir_types() -> list[str]:
    return sorted({r.name for r in load().values()})


def source_for(fhir_type: str, ident: str) -> tuple[ResourceType, int] | None:
    for resource in sources(fhir_type):
        pk = resource.pk_from(ident)
        if pk is not None:
            return resource, pk
    return None


def ref_id(reference: str | None, expected_type: str) -> int:
    """'Patient/12' -> 12, refusing other types and malformed references."""
    if not reference or "/" not in reference:
        raise FhirInputError(f"a reference to a {expected_type} is required")
    kind, _, ident = reference.partition("/")
    if kind == expected_type and ident and not is_id_number(ident):
        raise FhirInputError(f"{reference} does not exist here (not in this import, or rejected)", status=422)
    if kind != expected_type or not is_id_number(ident):
        raise FhirInputError(f"{reference!r} is not a reference to a {expected_type}")
    return int(ident)
