"""Login, second factor, first run, password, users."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from intramuros import audit
from intramuros.accounts import services
from intramuros.accounts.access import capability_required
from intramuros.accounts.forms import LoginForm, SetupForm, TokenForm, UserCreateForm
from intramuros.accounts.models import User


def _safe_next(request, default="core:home"):
    target = request.GET.get("next") or request.POST.get("next")
    if (target and target.startswith("/") and not target.startswith("//")
            and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())):
        return target
    return default


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="accounts.login.succeeded", target=self.request.user)
        return response

    def form_invalid(self, form):
        audit.record(actor=None, action="accounts.login.failed",
                     username=self.request.POST.get("username", "")[:150])
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit.record(actor=request.user, action="accounts.logout", target=request.user)
        return super().post(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol an authenticator app: show a QR code, confirm with a first code."""
    device_id = request.session.get("otp_setup_device")
    device = TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first()
    if device is None:
        device = services.otp_device_start(user=request.user)
        request.session["otp_setup_device"] = device.pk
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_device_confirm(user=request.user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            request.session.pop("otp_setup_device", None)
            messages.success(request, _("Two-factor login is now active for your account."))
            return redirect(_safe_next(request))
        form.add_error("token", _("This code does not match. Check your phone's clock and type the current code."))
    qr = segno.make(device.config_url, error="m")
    context = {"form": form, "qr_svg": qr.svg_data_uri(scale=5), "secret": device.key,
               "next": _safe_next(request, "")}
    return render(request, "accounts/otp_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            audit.record(actor=request.user, action="accounts.otp.verified", target=request.user)
            return redirect(_safe_next(request))
        audit.record(actor=request.user, action="accounts.otp.failed", target=request.user)
        form.add_error("token", _("This code is wrong or has expired: type the code your app shows now."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request, "")})


@require_http_methods(["GET", "POST"])
def setup(request):
    """First run: create the practice and its first administrator."""
    if User.objects.exists():
        return redirect("accounts:login")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.practice_setup(practice_name=data["practice_name"], username=data["username"],
                                password=data["password"], first_name=data["first_name"],
                                last_name=data["last_name"], role=data["role"])
        messages.success(request, _("The practice is ready. Log in with the account you just created."))
        return redirect("accounts:login")
    return render(request, "accounts/setup.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_success_url(self):
        return reverse("core:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="accounts.password.changed", target=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@capability_required("admin.users")
def users(request):
    return render(request, "accounts/users.html", {"users": User.objects.order_by("last_name", "username")})


@capability_required("admin.users")
@require_http_methods(["GET", "POST"])
def user_new(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The user has been created."))
        return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form})
