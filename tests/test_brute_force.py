"""Brute force: after 5 failures an account, and separately an address, is locked for a while, with a clear
message; once the delay has passed, the right password works again."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from intramuros.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password, address="192.168.1.30"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_settings_lock_per_account_and_per_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert ["username", "ip_address"] == settings.AXES_LOCKOUT_PARAMETERS
    assert settings.AXES_COOLOFF_TIME


def test_account_locked_from_any_address_after_five_failures(client, dr_alice):
    for i in range(4):
        assert _login(client, "alice", f"wrong-{i}", address=f"192.168.1.{40 + i}").status_code == 200
    assert _login(client, "alice", "wrong-5", address="192.168.1.44").status_code == 429
    locked = _login(client, "alice", PASSWORD, address="192.168.1.99")
    assert locked.status_code == 429
    assert 'id="locked-out"' in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_address_locked_for_every_account(client, dr_alice, dr_charlie):
    for i in range(5):
        _login(client, f"guess{i}", "wrong", address="10.9.9.9")
    assert _login(client, "charlie", PASSWORD, address="10.9.9.9").status_code == 429
    assert _login(client, "charlie", PASSWORD, address="10.9.9.8").status_code == 302


def test_lock_lifts_after_the_delay(client, dr_alice):
    for i in range(5):
        _login(client, "alice", f"wrong-{i}")
    assert _login(client, "alice", PASSWORD).status_code == 429
    cooloff = datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cooloff - datetime.timedelta(minutes=1))
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_failures_are_in_the_audit_log(client, dr_alice):
    from intramuros.audit.models import AuditEvent

    for i in range(3):
        _login(client, "alice", f"wrong-{i}")
    failed = AuditEvent.objects.filter(action="accounts.login.failed")
    assert failed.count() == 3 and all(e.ip == "192.168.1.30" for e in failed)
