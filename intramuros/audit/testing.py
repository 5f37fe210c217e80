"""Test support: the security middlewares, inserted when the settings do not list them yet."""

SECURITY_MIDDLEWARE = [
    "intramuros.core.lockdown.LockdownMiddleware",
    "intramuros.audit.breakglass.BreakGlassMiddleware",
]
AFTER = "django.contrib.auth.middleware.AuthenticationMiddleware"


def ensure_security_middleware(settings) -> None:
    """`settings` is pytest-django's fixture (restored after the test)."""
    middleware = list(settings.MIDDLEWARE)
    missing = [m for m in SECURITY_MIDDLEWARE if m not in middleware]
    if missing:
        at = middleware.index(AFTER) + 1
        middleware[at:at] = missing
        settings.MIDDLEWARE = middleware
