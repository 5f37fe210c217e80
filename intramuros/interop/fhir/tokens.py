"""API tokens for the FHIR API: created and revoked by an administrator; shown once; only the hash kept."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from intramuros import audit
from intramuros.interop.models import ApiToken


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, name: str, can_write: bool = False) -> tuple[ApiToken, str]:
    token = "imt_" + secrets.token_urlsafe(32)
    api_token = ApiToken.objects.create(name=name.strip()[:100] or "token", token_hash=_hash(token),
                                        can_write=can_write, created_by=actor)
    audit.record(actor=actor, action="interop.token.created", target=api_token, can_write=can_write)
    return api_token, token


@transaction.atomic
def api_token_revoke(*, actor, api_token: ApiToken) -> None:
    api_token.revoked_at = timezone.now()
    api_token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="interop.token.revoked", target=api_token)


def api_token_check(header: str) -> ApiToken | None:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    api_token = ApiToken.objects.filter(token_hash=_hash(token.strip()), revoked_at__isnull=True).first()
    if api_token:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
    return api_token
