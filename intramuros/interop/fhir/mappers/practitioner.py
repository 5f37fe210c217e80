"""Practitioner <-> the practice's practitioners (users with a practitioner role)."""

from __future__ import annotations

from intramuros.accounts.models import Role, User
from intramuros.interop.fhir.mappers.common import RPPS_SYSTEM, USERNAME_SYSTEM
from intramuros.interop.fhir.registry import FhirInputError, ResourceType, register


def to_fhir(u: User) -> dict:
    identifiers = [{"system": USERNAME_SYSTEM, "value": u.username}]
    if u.rpps:
        identifiers.append({"system": RPPS_SYSTEM, "value": u.rpps})
    name = {"family": u.last_name or u.username, "given": [g for g in u.first_name.split() if g]}
    if u.title:
        name["prefix"] = [u.title]
    data = {"resourceType": "Practitioner", "id": str(u.pk), "active": u.is_active, "identifier": identifiers,
            "name": [name]}
    if u.phone or u.email:
        data["telecom"] = ([{"system": "phone", "value": u.phone}] if u.phone else []) + \
                          ([{"system": "email", "value": u.email}] if u.email else [])
    if u.specialty:
        data["qualification"] = [{"code": {"text": u.specialty}}]
    if u.role == Role.REPLACEMENT:
        data["extension"] = [{"url": "urn:intramuros:replacement", "valueBoolean": True}]
    return data


def from_fhir(data: dict, *, actor, existing: User | None = None, keep_id: bool = False) -> User:
    if existing is not None:
        raise FhirInputError("practitioners are managed in the practice's user administration", code="not-supported",
                             status=405)
    idents = {i.get("system"): i.get("value", "") for i in data.get("identifier") or []}
    name = (data.get("name") or [{}])[0]
    username = idents.get(USERNAME_SYSTEM) or f"practitioner{data.get('id', '')}"
    if User.objects.filter(username=username).exists():
        raise FhirInputError(f"a user named {username} exists already", code="duplicate", status=409)
    telecom = {t.get("system"): t.get("value", "") for t in data.get("telecom") or []}
    replacement = any(e.get("url") == "urn:intramuros:replacement" for e in data.get("extension") or [])
    user = User(username=username, role=Role.REPLACEMENT if replacement else Role.PRACTITIONER,
                last_name=name.get("family", ""), first_name=" ".join(name.get("given") or []),
                title=(name.get("prefix") or [""])[0], rpps=idents.get(RPPS_SYSTEM, ""), phone=telecom.get("phone", ""),
                email=telecom.get("email", ""), is_active=data.get("active", True),
                specialty=((data.get("qualification") or [{}])[0].get("code") or {}).get("text", ""))
    if keep_id:
        user.pk = int(data["id"])
    user.set_unusable_password()  # an imported practitioner sets a password through the administrator
    user.save()
    return user


register(ResourceType(
    name="Practitioner",
    queryset=lambda: User.objects.filter(role__in=[Role.PRACTITIONER, Role.REPLACEMENT]).order_by("pk"),
    to_fhir=to_fhir, from_fhir=from_fhir, import_order=10, model_class=User, foreign=lambda d: True,
    search_params={"name": lambda qs, v: qs.filter(last_name__icontains=v),
                   "identifier": lambda qs, v: qs.filter(rpps=v.rsplit("|", 1)[-1])},
    search_doc={"name": "string", "identifier": "token"}))
