"""Response headers that keep every page self-contained and unframeable."""

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "object-src 'none'",
    "frame-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
])


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(), payment=()")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Pages with patient data must not linger in shared caches or the browser history cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class SessionRenewalMiddleware:
    """Keep an active session alive without writing it on every request.

    The idle timeout is the session cookie's age; renewing it at most once a minute is enough for a
    30-minute timeout and spares a database write and commit per request.
    """

    RENEW_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            # A session saved anyway (changed by the request) is renewed by that save: note when.
            if session.modified or now - session.get("_renewed", 0) >= self.RENEW_EVERY:
                session["_renewed"] = now  # marks it modified: SessionMiddleware saves it with a new expiry
        return response
