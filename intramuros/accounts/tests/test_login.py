"""Login, lockout, password policy, first run, two-factor enforcement."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from intramuros.audit.models import AuditEvent
from intramuros.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def test_login_then_home_shows_practice(client, dr_alice):
    response = _login(client, "alice")
    assert response.status_code == 302
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    assert "Cabinet des Tilleuls" in home.content.decode()
    assert AuditEvent.objects.filter(action="accounts.login.succeeded", actor=dr_alice).exists()


def test_wrong_password_is_refused_and_logged(client, dr_alice):
    response = _login(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.login.failed").exists()


def test_lockout_after_five_failures_per_account(client, dr_alice):
    for _ in range(5):
        _login(client, "alice", "wrong-password-here")
    response = _login(client, "alice")  # right password, but locked
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode() or "tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_per_address_spans_accounts(client, dr_alice, dr_charlie):
    for i in range(5):
        _login(client, f"nobody{i}", "wrong-password-here", REMOTE_ADDR="192.168.1.50")
    response = _login(client, "charlie", REMOTE_ADDR="192.168.1.50")
    assert response.status_code == 429
    other = _login(client, "charlie", REMOTE_ADDR="192.168.1.51")
    assert other.status_code == 302


def test_anonymous_is_sent_to_login(client, dr_alice):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_first_run_redirects_to_setup_and_creates_the_administrator(client, db):
    from intramuros.accounts.middleware import FirstRunMiddleware  # noqa: F401
    from intramuros.accounts.models import User
    from intramuros.core.models import Practice

    assert client.get("/").status_code == 302
    assert client.get("/")["Location"] == reverse("accounts:setup")
    weak = client.post(reverse("accounts:setup"), {
        "practice_name": "Cabinet Test", "first_name": "Anne", "last_name": "Roux", "role": "practitioner",
        "username": "anne", "password": "password1", "password2": "password1"})
    assert weak.status_code == 200 and not User.objects.exists()
    ok = client.post(reverse("accounts:setup"), {
        "practice_name": "Cabinet Test", "first_name": "Anne", "last_name": "Roux", "role": "practitioner",
        "username": "anne", "password": PASSWORD, "password2": PASSWORD})
    assert ok.status_code == 302
    anne = User.objects.get(username="anne")
    assert anne.is_administrator and anne.is_practitioner
    assert Practice.current().name == "Cabinet Test"
    # Once a user exists, the first-run page is closed.
    assert client.get(reverse("accounts:setup")).status_code == 302


def test_password_policy_refuses_weak_passwords(dr_alice):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short", "password123", "azertyuiop", "alicebernard1"):
        with pytest.raises(ValidationError):
            validate_password(weak, dr_alice)
    validate_password("violet-tramway-cactus-harbour", dr_alice)


def test_passwords_are_hashed_with_argon2_in_production():
    from intramuros import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def _enrol(user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return device


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_user_with_required_2fa_must_enrol_then_verify(client, dr_alice):
    dr_alice.otp_required = True
    dr_alice.save()
    _login(client, "alice")
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and reverse("accounts:otp_setup") in response["Location"]
    page = client.get(reverse("accounts:otp_setup"))
    assert page.status_code == 200
    assert "data:image/svg+xml" in page.content.decode()  # QR code served by the app itself
    device = TOTPDevice.objects.get(user=dr_alice, confirmed=False)
    good = client.post(reverse("accounts:otp_setup"), {"token": _code(device)})
    assert good.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_wrong_enrolment_code_is_refused_and_throttled(client, dr_alice):
    dr_alice.otp_required = True
    dr_alice.save()
    _login(client, "alice")
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=dr_alice, confirmed=False)
    wrong = f"{(int(_code(device)) + 1) % 1000000:06d}"
    bad = client.post(reverse("accounts:otp_setup"), {"token": wrong})
    assert bad.status_code == 200 and not TOTPDevice.objects.filter(user=dr_alice, confirmed=True).exists()
    # Right after a failure, even the right code waits: guessing is slowed down.
    again = client.post(reverse("accounts:otp_setup"), {"token": _code(device)})
    assert again.status_code == 200
    assert client.get(reverse("core:home")).status_code == 302


def test_enrolled_user_must_give_a_code_at_each_login(client, dr_alice):
    dr_alice.otp_required = True
    dr_alice.save()
    device = _enrol(dr_alice)
    _login(client, "alice")
    response = client.get(reverse("core:home"))
    assert reverse("accounts:otp_verify") in response["Location"]
    assert client.post(reverse("accounts:otp_verify"), {"token": "12345"}).status_code == 200
    ok = client.post(reverse("accounts:otp_verify") + "?next=/", {"token": _code(device)})
    assert ok.status_code == 302 and ok["Location"] == "/"
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    # The views get the user itself, resolved once by the middleware, still known as verified.
    user = home.wsgi_request.user
    assert type(user) is type(dr_alice) and user.pk == dr_alice.pk and user.is_verified()


@override_settings(REQUIRE_2FA=True)
def test_practice_wide_2fa(client, bob_secretary):
    _login(client, "bob")
    assert reverse("accounts:otp_setup") in client.get(reverse("core:home"))["Location"]


def test_remote_address_needs_second_factor_even_when_not_required(client, dr_alice):
    _login(client, "alice", REMOTE_ADDR="203.0.113.9")
    response = client.get(reverse("core:home"), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
    local = client.get(reverse("core:home"), REMOTE_ADDR="192.168.1.20")
    assert local.status_code == 200


def test_open_redirect_is_refused_after_verification(client, dr_alice):
    dr_alice.otp_required = True
    dr_alice.save()
    device = _enrol(dr_alice)
    _login(client, "alice")
    response = client.post(reverse("accounts:otp_verify") + "?next=https://evil.example/", {"token": _code(device)})
    assert response["Location"] == reverse("core:home")


def test_logout_ends_the_session(alice_client):
    response = alice_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert alice_client.get(reverse("core:home")).status_code == 302
