"""In a real browser: login with two factors, switching language, lockout."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from intramuros.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_login(page, username, password):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")


def test_login_with_second_factor(page, dr_alice):
    dr_alice.otp_required = True
    dr_alice.save()
    device = TOTPDevice.objects.create(user=dr_alice, name="phone", confirmed=True)
    _fill_login(page, "alice", PASSWORD)
    page.wait_for_url("**/accounts/2fa/verify/**")
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page.fill("input[name=token]", code)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert "Cabinet des Tilleuls" in page.content()
    assert page.locator("h1").inner_text() == "Cabinet des Tilleuls"


def test_language_switch_changes_the_interface(page, dr_alice):
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "Connexion"
    page.select_option("#lang-select", "en")  # the form submits itself on change
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Log in"
    assert page.locator("html").get_attribute("lang") == "en"


def test_lockout_shows_a_clear_message(page, dr_alice):
    for _ in range(5):
        _fill_login(page, "alice", "wrong-password-again")
    _fill_login(page, "alice", PASSWORD)
    assert page.locator("#locked-out").is_visible()
    assert "15 minutes" in page.locator("#locked-out").inner_text()
