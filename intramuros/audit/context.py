"""The request being served, so that audit rows carry its address and session without each caller passing it."""

from __future__ import annotations

import contextvars
import hashlib

_current = contextvars.ContextVar("intramuros_audit_request", default=None)


def set_request(request):
    return _current.set(request)


def reset(token) -> None:
    _current.reset(token)


def current_request():
    return _current.get()


def request_origin(request) -> tuple[str, str]:
    if request is None:
        return "", ""
    ip = request.META.get("REMOTE_ADDR", "")[:45]
    key = getattr(getattr(request, "session", None), "session_key", None) or ""
    session = hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""
    return ip, session


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request(request)
        try:
            return self.get_response(request)
        finally:
            reset(token)
