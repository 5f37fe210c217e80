"""The lockdown switch ("pull the plug") and the refusal of remote connections.

`lockdown_on` ends every remote session at once and, until `lockdown_off`, LockdownMiddleware refuses
every request from outside the practice's local networks with a plain 403 page. An administrator can also
forbid remote access for good (SecurityPolicy.forbid_remote): same refusal, without the switch.
Sessions carry the address they were last used from (stamped on each request) so that the remote ones can
be told apart and ended.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from intramuros import audit
from intramuros.accounts.network import client_address, is_local_address, security_policy
from intramuros.audit.labels import NUL_REFUSED
from intramuros.audit.models import SecurityPolicy

log = logging.getLogger("intramuros.lockdown")
SESSION_ADDRESS_KEY = "_ip"


def _policy_for_update() -> SecurityPolicy:
    SecurityPolicy.objects.get_or_create(pk=1)
    return SecurityPolicy.objects.select_for_update().get(pk=1)


def end_remote_sessions(policy: SecurityPolicy | None = None) -> int:
    """Delete every session last used from outside the local networks (or from an unknown address)."""
    policy = policy or SecurityPolicy.current()
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        try:
            data = session.get_decoded()
        except Exception:  # noqa: BLE001 - a session that cannot be read is ended too
            data = {"_auth_user_id": "?"}
        address = data.get(SESSION_ADDRESS_KEY, "")
        logged_in = "_auth_user_id" in data
        if (address and not is_local_address(address, policy)) or (logged_in and not address):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def lockdown_on(*, actor) -> int:
    """Lock the practice down: remote sessions end now, remote connections are refused. Returns sessions ended."""
    policy = _policy_for_update()
    already = policy.lockdown
    if not already:
        policy.lockdown = True
        policy.lockdown_at = timezone.now()
        policy.lockdown_by = _label(actor)
        policy.save()
    ended = end_remote_sessions(policy)
    audit.record(actor=actor, action="security.lockdown.on", flagged=True, sessions_ended=ended,
                 already_on=already)
    return ended


@transaction.atomic
def lockdown_off(*, actor) -> bool:
    """Lift the lockdown. Returns False when it was not on."""
    policy = _policy_for_update()
    if not policy.lockdown:
        return False
    policy.lockdown = False
    policy.save()
    audit.record(actor=actor, action="security.lockdown.off", flagged=True,
                 since=policy.lockdown_at.isoformat() if policy.lockdown_at else "")
    return True


@transaction.atomic
def security_policy_update(*, actor, local_networks: str, forbid_remote: bool) -> SecurityPolicy:
    policy = _policy_for_update()
    before = {"local_networks": policy.network_list(), "forbid_remote": policy.forbid_remote}
    policy.local_networks = local_networks.strip()
    policy.forbid_remote = forbid_remote
    policy.full_clean()
    policy.save()
    ended = end_remote_sessions(policy) if forbid_remote else 0
    audit.record(actor=actor, action="security.policy.changed", target=policy, flagged=True, before=before,
                 after={"local_networks": policy.network_list(), "forbid_remote": forbid_remote},
                 sessions_ended=ended)
    return policy


def lockdown_status() -> dict:
    policy = SecurityPolicy.current()
    return {"lockdown": policy.lockdown, "since": policy.lockdown_at, "by": policy.lockdown_by,
            "forbid_remote": policy.forbid_remote}


def _label(actor) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return str(actor or "system")[:150]


def _has_nul(request) -> bool:
    """A NUL character is never legitimate in a parameter, and makes PostgreSQL fail wherever it reaches a query.

    Checked in the query string and in url-encoded forms; multipart bodies are left to the views (reading them
    here would fix their upload handlers too early), and Django's form fields refuse NUL characters anyway.
    """
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, values in request.GET.lists()
                                      for v in values):
        return True
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        return any("\x00" in k or "\x00" in v for k, values in request.POST.lists() for v in values)
    return False


class LockdownMiddleware:
    """The gate: refuse remote requests during a lockdown (or when remote access is forbidden), refuse
    parameters carrying NUL characters, and stamp each session with the address it was last used from.

    Place after AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            if request.path.startswith("/fhir/"):  # API callers get a FHIR OperationOutcome, like every API error
                return JsonResponse({"resourceType": "OperationOutcome", "issue": [
                    {"severity": "error", "code": "invalid", "diagnostics": str(NUL_REFUSED)}]}, status=400,
                    content_type="application/fhir+json")
            return HttpResponseBadRequest(str(NUL_REFUSED), content_type="text/plain; charset=utf-8")
        policy = security_policy(request)
        address = client_address(request)
        if (policy.lockdown or policy.forbid_remote) and not is_local_address(address, policy):
            log.warning("refused a connection from %s (%s)", address,
                        "lockdown" if policy.lockdown else "remote access forbidden")
            return render(request, "audit/refused.html", {"lockdown": policy.lockdown}, status=403)
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated \
                and session.get(SESSION_ADDRESS_KEY) != address:
            session[SESSION_ADDRESS_KEY] = address
        return response
