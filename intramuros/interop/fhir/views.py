"""The FHIR REST API: metadata, read, search, create, update. JSON only; errors as OperationOutcome.

Callers are the practice's own tools on its own network, with a token an administrator created.
Every call is audited like any other access.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from intramuros import __version__, audit
from intramuros.interop.fhir.registry import FhirInputError, fhir_types, source_for, sources
from intramuros.interop.fhir.tokens import api_token_check
from intramuros.interop.fhir.validate import operation_outcome, validated

FHIR_JSON = "application/fhir+json"
MAX_BODY = 2 * 1024 * 1024
MAX_COUNT = 100


def _respond(data: dict, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(data, status=status, content_type=FHIR_JSON, json_dumps_params={"ensure_ascii": False})
    for key, value in headers.items():
        response[key.replace("_", "-")] = value
    return response


def _outcome(message: str, status: int, code: str = "invalid") -> JsonResponse:
    return _respond(operation_outcome(message, code=code), status=status)


def fhir_endpoint(view):
    """Token check, audit, and OperationOutcome for every error."""

    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        token = api_token_check(request.headers.get("Authorization", ""))
        if token is None and view.__name__ != "metadata":
            return _outcome("a valid API token is required (Authorization: Bearer ...)", 401, "login")
        if token is not None and request.method in ("POST", "PUT") and not token.can_write:
            return _outcome("this API token may only read", 403, "forbidden")
        request.fhir_actor = f"fhir:{token.name}" if token else "fhir:anonymous"
        try:
            return view(request, *args, **kwargs)
        except (ValidationError, FhirInputError) as exc:
            if isinstance(exc, ValidationError):  # a service's own check, said in plain words
                exc = FhirInputError(" ".join(exc.messages), status=422)
            audit.record(actor=request.fhir_actor, action="interop.fhir.refused", reason=str(exc)[:300],
                         path=request.path[:200])
            return _outcome(str(exc), exc.status, exc.code)

    wrapped.__name__ = view.__name__
    return wrapped


def _sources(name: str):
    found = sources(name)
    if not found:
        raise FhirInputError(f"resource type {name} is not supported", code="not-supported", status=404)
    return found


@fhir_endpoint
def metadata(request):
    resources = []
    for name in fhir_types():
        found = sources(name)
        params = {k: v for r in found for k, v in r.search_doc.items()}
        writable = any(r.writable for r in found)
        resources.append({"type": name, "interaction": [{"code": "read"}, {"code": "search-type"}] + (
            [{"code": "create"}, {"code": "update"}] if writable else []),
            "searchParam": [{"name": k, "type": v} for k, v in sorted(params.items())]})
    return _respond(validated({
        "resourceType": "CapabilityStatement", "status": "active", "date": timezone.now().date().isoformat(),
        "kind": "instance", "fhirVersion": "4.3.0", "format": ["json"],
        "software": {"name": "Intramuros", "version": __version__},
        "implementation": {"description": "The practice's own FHIR endpoint"},
        "rest": [{"mode": "server", "security": {"description": "Bearer token created by the practice's administrator"},
                  "resource": resources}]}))


def _get_object(resource_type: str, ident: str):
    _sources(resource_type)
    found = source_for(resource_type, ident)
    obj = found[0].queryset().filter(pk=found[1]).first() if found else None
    if obj is None:
        raise FhirInputError(f"{resource_type}/{ident} does not exist", code="not-found", status=404)
    return found[0], obj


def _search(found, params) -> list:
    """One queryset per source, each filtered; a parameter must be known to at least one source."""
    for key in params:
        if key not in ("_count", "_offset", "_format") and not any(key in r.search_params for r in found):
            raise FhirInputError(f"search parameter {key!r} is not supported for {found[0].name}",
                                 code="not-supported")
    querysets = []
    for resource in found:
        qs = resource.queryset()
        keys = [k for k in params if k not in ("_count", "_offset", "_format")]
        if any(k not in resource.search_params for k in keys):
            continue  # this source cannot answer the criterion: none of its records match
        for key in keys:
            qs = resource.search_params[key](qs, params[key])
        querysets.append((resource, qs))
    return querysets


@fhir_endpoint
def type_endpoint(request, resource_type):
    found = _sources(resource_type)
    if request.method == "POST":
        return _write(request, next((r for r in found if r.writable), found[0]), None)
    if request.method != "GET":
        raise FhirInputError("use GET to search or POST to create", code="not-supported", status=405)
    try:
        count = max(min(int(request.GET.get("_count", 50)), MAX_COUNT), 0)
        offset = max(int(request.GET.get("_offset", 0)), 0)
    except ValueError:
        raise FhirInputError("_count and _offset must be whole numbers") from None
    total, page, skip = 0, [], offset
    for resource, qs in _search(found, request.GET):
        size = qs.count()
        total += size
        if len(page) < count and skip < size:
            page += [resource.to_fhir(o) for o in qs[skip:skip + count - len(page)]]
        skip = max(skip - size, 0)
    audit.record(actor=request.fhir_actor, action="interop.fhir.searched", resource=resource_type,
                 params=sorted(request.GET.keys()), results=len(page))
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total,
              "entry": [{"fullUrl": request.build_absolute_uri(f"/fhir/{resource_type}/{d['id']}"), "resource": d,
                         "search": {"mode": "match"}} for d in page]}
    if offset + count < total:
        bundle["link"] = [{"relation": "next", "url": request.build_absolute_uri(
            f"{request.path}?_count={count}&_offset={offset + count}")}]
    return _respond(bundle)


@fhir_endpoint
def instance_endpoint(request, resource_type, ident):
    resource, obj = _get_object(resource_type, ident)
    if request.method == "PUT":
        return _write(request, resource, obj)
    if request.method != "GET":
        raise FhirInputError("use GET to read or PUT to update", code="not-supported", status=405)
    audit.record(actor=request.fhir_actor, action="interop.fhir.read", target=obj, patient=resource.patient_of(obj),
                 resource=resource.name)
    return _respond(resource.to_fhir(obj))


def _write(request, resource, existing):
    if not resource.writable:
        raise FhirInputError(f"{resource.name} cannot be written through the API", code="not-supported", status=405)
    if len(request.body) > MAX_BODY:
        raise FhirInputError("the resource is larger than 2 MB", code="too-costly", status=413)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FhirInputError("the body is not valid JSON") from None
    data = validated(data)
    if data["resourceType"] != resource.name:
        raise FhirInputError(f"the body is a {data['resourceType']}, not a {resource.name}")
    if existing is not None and str(data.get("id", "")) != request.resolver_match.kwargs["ident"]:
        raise FhirInputError("the resource id must match the URL")
    with transaction.atomic():
        obj = resource.from_fhir(data, actor=request.fhir_actor, existing=existing)
        audit.record(actor=request.fhir_actor, action="interop.fhir.updated" if existing else "interop.fhir.created",
                     target=obj, patient=resource.patient_of(obj), resource=resource.name)
    body = resource.to_fhir(obj)
    return _respond(body, status=200 if existing else 201, Location=f"/fhir/{resource.name}/{body['id']}")


@csrf_exempt
def unknown_path(request, rest=""):
    """Any other address under /fhir/ answers in FHIR too, not with the site's HTML page."""
    return _outcome("no FHIR interaction at this address: use /fhir/<type>, /fhir/<type>/<id> or /fhir/metadata",
                    404, "not-found")
