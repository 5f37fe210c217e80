"""First run and two-factor enforcement."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, empty

from intramuros.accounts.models import User

# Pages reachable before the second factor is given.
_OPEN_PREFIXES = ("/static/", "/accounts/login/", "/accounts/logout/", "/accounts/2fa/", "/i18n/", "/setup/",
                  "/health")


def two_factor_required(user) -> bool:
    if user.otp_required or settings.REQUIRE_2FA:
        return True
    from intramuros.core.models import Practice

    practice = Practice.cached()
    return bool(practice and practice.require_2fa)


class FirstRunMiddleware:
    """While the practice has no user, every page leads to the first-run page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.has_users = False

    def __call__(self, request):
        if not self.has_users:
            self.has_users = User.objects.exists()
            if not self.has_users and not request.path.startswith(("/setup/", "/static/", "/i18n/", "/health", "/fhir/")):
                return redirect("accounts:setup")
        return self.get_response(request)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # Django's and django-otp's middleware hand the user over lazily, one wrapper in the other: every
        # attribute read then goes through proxy methods (~180 per page, in views and templates). Every page
        # needs the user: resolved once, here.
        while isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            request.user = user = user._wrapped
        if (user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES)
                and not user.is_verified() and self.needs_second_factor(request, user)):
            from django_otp import devices_for_user

            target = "accounts:otp_verify" if any(devices_for_user(user)) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def needs_second_factor(request, user) -> bool:
        from intramuros.accounts.network import is_local

        return two_factor_required(user) or not is_local(request)
