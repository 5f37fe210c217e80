"""System check: the security middlewares must be installed, or the lockdown and break-the-glass do nothing."""

from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register

REQUIRED = {
    "intramuros.core.lockdown.LockdownMiddleware":
        "the lockdown switch and 'forbid remote access' would refuse nothing, sessions would not record "
        "their address",
    "intramuros.audit.breakglass.BreakGlassMiddleware":
        "a practitioner opening another's patient would get 'not allowed' instead of the reason page",
    "intramuros.core.lockedstart.LockedStartMiddleware":
        "a server started with locked keys would fail on every page instead of showing the unlock page",
}

HINTS = {
    "intramuros.core.lockedstart.LockedStartMiddleware":
        "Add it right before django.contrib.sessions.middleware.SessionMiddleware.",
}


@register()
def security_middleware(app_configs, **kwargs):
    installed = list(settings.MIDDLEWARE)
    problems = []
    for path, consequence in REQUIRED.items():
        if path not in installed:
            problems.append(CheckWarning(
                f"{path} is not in MIDDLEWARE: {consequence}.",
                hint=HINTS.get(path, "Add it right after django.contrib.auth.middleware.AuthenticationMiddleware."),
                id="audit.W001"))
    return problems
