"""Break-the-glass: opening, with a reason, the file of a patient who is not one's own.

When the practice restricts practitioners to their own patients, the patient access gate raises
`BreakGlassRequired`; `BreakGlassMiddleware` turns it into a redirect to the reason page. The reason
is logged (flagged for review) and the grant lasts a few hours, for this session and this patient only.
The grant lives in the session, so logging out ends it.
"""

from __future__ import annotations

import time

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from intramuros.audit.context import current_request
from intramuros.audit.services import record

SESSION_KEY = "_break_glass"
GRANT_SECONDS = 4 * 3600


class BreakGlassRequired(PermissionDenied):
    """The user may read this file only after giving a reason."""

    def __init__(self, patient_id: int, part: str = "record"):
        super().__init__(f"a reason is needed to open the file of patient {patient_id}")
        self.patient_id = patient_id
        self.part = part


def has_grant(patient_id, request=None) -> bool:
    request = request if request is not None else current_request()
    session = getattr(request, "session", None)
    if session is None:
        return False
    expiry = session.get(SESSION_KEY, {}).get(str(patient_id))
    return bool(expiry and expiry > time.time())


def grant(*, request, patient_id: int, reason: str) -> None:
    """Open the file of `patient_id` for this session, for GRANT_SECONDS; logged and flagged."""
    now = time.time()
    grants = {pid: exp for pid, exp in request.session.get(SESSION_KEY, {}).items() if exp > now}
    grants[str(patient_id)] = now + GRANT_SECONDS
    request.session[SESSION_KEY] = grants
    record(actor=request.user, action="patients.break_glass.granted", patient=patient_id, request=request,
           flagged=True, reason=reason, hours=GRANT_SECONDS // 3600)


class BreakGlassMiddleware:
    """Turns BreakGlassRequired into the reason page (HX-Redirect for htmx requests)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, BreakGlassRequired):
            return None
        url = reverse("audit:break_glass", kwargs={"patient_id": exception.patient_id})
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
