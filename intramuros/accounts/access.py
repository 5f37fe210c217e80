"""The one place that decides what each role may see and do.

Views ask `has_capability(user, "clinical.view")` (or use `capability_required`);
no view tests a role by itself.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from intramuros.accounts.models import Role

IDENTITY = {"identity.view", "identity.edit", "agenda.view", "agenda.edit", "messages.use",
            "billing.view", "billing.record", "documents.administrative"}
CLINICAL = {"clinical.view", "clinical.edit", "prescriptions.write", "documents.view", "documents.edit",
            "letters.write", "labs.view"}
ADMIN = {"admin.users", "admin.settings", "audit.view", "backup.manage", "billing.fees", "interop.manage",
         "records.restore"}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.SECRETARY: frozenset(IDENTITY),
    Role.PRACTITIONER: frozenset(IDENTITY | CLINICAL),
    Role.REPLACEMENT: frozenset(IDENTITY | CLINICAL),
    Role.ADMIN: frozenset(ADMIN | {"messages.use", "billing.view"}),
}

ALL_CAPABILITIES = frozenset().union(*CAPABILITIES.values())


def capabilities(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    caps = CAPABILITIES.get(user.role, frozenset())
    if user.is_practice_admin:
        caps = caps | ADMIN
    return caps


def has_capability(user, capability: str) -> bool:
    if capability not in ALL_CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    return capability in capabilities(user)


def require(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied


def capability_required(capability: str):
    """View decorator: the user must be logged in and hold `capability` (403 otherwise)."""
    if capability not in ALL_CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            require(request.user, capability)
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # read by the URL-by-role test
        return wrapped

    return decorator
