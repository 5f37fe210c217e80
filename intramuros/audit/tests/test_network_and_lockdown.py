"""Local networks, two factors from outside, forbidding remote access, and the lockdown switch."""

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from intramuros.accounts.network import is_local_address
from intramuros.audit.models import AuditEvent, SecurityPolicy
from intramuros.core import lockdown

pytestmark = pytest.mark.django_db

REMOTE = "203.0.113.7"
LOCAL = "192.168.1.20"


def _session_from(user, address):
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    client.get(reverse("accounts:password_change"))  # any page: the session records its address
    return client


def test_session_remembers_its_address(dr_alice):
    client = _session_from(dr_alice, LOCAL)
    assert client.session[lockdown.SESSION_ADDRESS_KEY] == LOCAL


def test_local_networks_combine_settings_and_the_security_page(db, settings):
    settings.LOCAL_NETWORKS = ["10.0.0.0/8"]
    assert is_local_address("10.1.2.3") and not is_local_address("198.51.100.4")
    SecurityPolicy.objects.create(pk=1, local_networks="198.51.100.0/24  # the other site\n")
    assert is_local_address("198.51.100.4") and is_local_address("10.1.2.3")
    assert not is_local_address("not an address") and not is_local_address("")
    assert is_local_address("::ffff:10.0.0.1")


def test_remote_login_requires_two_factors(client, dr_alice):
    client.force_login(dr_alice)
    remote = client.get(reverse("core:home"), REMOTE_ADDR=REMOTE)
    assert remote.status_code == 302 and "/accounts/2fa/" in remote["Location"]
    local = client.get(reverse("core:home"), REMOTE_ADDR=LOCAL)
    assert local.status_code == 200


def test_lockdown_ends_remote_sessions_only_and_refuses_remote_connections(dr_alice, dr_charlie, bob_secretary):
    remote = _session_from(dr_charlie, REMOTE)
    local = _session_from(bob_secretary, LOCAL)
    assert Session.objects.count() == 2
    ended = lockdown.lockdown_on(actor=dr_alice)
    assert ended == 1 and Session.objects.count() == 1
    refused = remote.get(reverse("accounts:login"))
    assert refused.status_code == 403 and 'id="refused-reason"' in refused.content.decode()
    assert local.get(reverse("core:home")).status_code == 200
    event = AuditEvent.objects.get(action="security.lockdown.on")
    assert event.flagged and event.detail["sessions_ended"] == 1
    assert lockdown.lockdown_off(actor=dr_alice)
    assert AuditEvent.objects.filter(action="security.lockdown.off").exists()
    assert Client(REMOTE_ADDR=REMOTE).get(reverse("accounts:login")).status_code == 200


def test_lockdown_command(dr_alice, dr_charlie, capsys):
    _session_from(dr_charlie, REMOTE)
    call_command("lockdown", "on")
    assert "1 remote session(s) ended" in capsys.readouterr().out
    assert not Session.objects.exists()
    call_command("lockdown", "status")
    assert "ON since" in capsys.readouterr().out
    call_command("lockdown", "off")
    assert "lifted" in capsys.readouterr().out
    call_command("lockdown", "off")
    assert "was not on" in capsys.readouterr().out
    assert AuditEvent.objects.get(action="security.lockdown.on").actor_label.startswith("command line")


def test_admin_page_button(dr_alice, dr_charlie):
    admin = _session_from(dr_alice, LOCAL)
    remote = _session_from(dr_charlie, REMOTE)
    page = admin.get(reverse("audit:security"))
    assert page.status_code == 200 and 'name="state" value="on"' in page.content.decode()
    assert admin.post(reverse("audit:lockdown"), {"state": "on"}).status_code == 302
    assert SecurityPolicy.current().lockdown
    assert remote.get(reverse("core:home")).status_code == 403
    admin.post(reverse("audit:lockdown"), {"state": "off"})
    assert not SecurityPolicy.current().lockdown


def test_security_page_is_for_administrators(bob_client, charlie_client):
    assert bob_client.get(reverse("audit:security")).status_code == 403
    assert charlie_client.post(reverse("audit:lockdown"), {"state": "on"}).status_code == 403
    assert not SecurityPolicy.current().lockdown


def test_forbid_remote_access(dr_alice, dr_charlie):
    admin = _session_from(dr_alice, LOCAL)
    remote = _session_from(dr_charlie, REMOTE)
    response = admin.post(reverse("audit:security"), {"local_networks": "", "forbid_remote": "on"})
    assert response.status_code == 302
    assert remote.get(reverse("core:home")).status_code == 403
    assert Client(REMOTE_ADDR=REMOTE).get(reverse("accounts:login")).status_code == 403
    event = AuditEvent.objects.get(action="security.policy.changed")
    assert event.detail["after"]["forbid_remote"] is True and event.detail["sessions_ended"] == 1


def test_forbidding_remote_access_from_outside_is_refused(dr_alice, settings):
    settings.LOCAL_NETWORKS = ["127.0.0.0/8"]
    client = Client(REMOTE_ADDR=REMOTE)
    client.force_login(dr_alice)
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=dr_alice, name="t")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = client.post(reverse("audit:security"), {"local_networks": "", "forbid_remote": "on"})
    assert response.status_code == 200 and response.context["form"].errors["forbid_remote"]
    assert not SecurityPolicy.current().forbid_remote


def test_bad_network_is_explained(dr_alice):
    admin = _session_from(dr_alice, LOCAL)
    response = admin.post(reverse("audit:security"), {"local_networks": "192.168.1.0/24\nthe office"})
    assert response.status_code == 200
    assert "the office" in str(response.context["form"].errors["local_networks"])


def test_session_cookies_are_http_only_same_site(client, dr_alice):
    from intramuros.testing.personas import PASSWORD

    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD},
                           REMOTE_ADDR=LOCAL)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    from django.conf import settings

    assert settings.SESSION_COOKIE_SECURE == settings.HTTPS and settings.CSRF_COOKIE_SECURE == settings.HTTPS
    assert settings.SECURE_HSTS_SECONDS >= 31536000 or not settings.HTTPS


def test_nul_characters_in_parameters_are_refused_plainly(alice_client):
    response = alice_client.get(reverse("audit:index"), {"action": "patients\x00"})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    encoded = alice_client.post(reverse("audit:security"), "local_networks=a%00b",
                                content_type="application/x-www-form-urlencoded")
    assert encoded.status_code == 400
    multipart = alice_client.post(reverse("audit:security"), {"local_networks": "a\x00b"})
    assert multipart.status_code == 200 and multipart.context["form"].errors["local_networks"]
    assert alice_client.get(reverse("audit:index"), {"action": "patients"}).status_code == 200


def test_system_check_names_a_missing_security_middleware(settings):
    from intramuros.audit.checks import security_middleware

    assert security_middleware(None) == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "lockdown" not in m]
    warnings = security_middleware(None)
    assert len(warnings) == 1 and "LockdownMiddleware" in warnings[0].msg
