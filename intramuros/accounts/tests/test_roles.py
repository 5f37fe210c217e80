"""One gate decides what each role may do."""

import pytest
from django.urls import reverse

from intramuros.accounts.access import capabilities, has_capability
from intramuros.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_secretary_has_identity_and_agenda_but_no_clinical(bob_secretary):
    caps = capabilities(bob_secretary)
    assert {"identity.view", "agenda.edit", "billing.record"} <= caps
    assert not any(c.startswith(("clinical.", "prescriptions.", "labs.")) for c in caps)
    assert "documents.view" not in caps


def test_practitioner_and_replacement_have_clinical_access(dr_charlie, dr_remy_replacement):
    for user in (dr_charlie, dr_remy_replacement):
        assert has_capability(user, "clinical.edit")
        assert not has_capability(user, "admin.users")


def test_owner_practitioner_administers(dr_alice):
    assert has_capability(dr_alice, "admin.users") and has_capability(dr_alice, "clinical.view")


def test_pure_administrator_sees_no_clinical_content(admin_eve):
    assert has_capability(admin_eve, "audit.view")
    assert not has_capability(admin_eve, "clinical.view")


def test_unknown_capability_is_a_programming_error(dr_alice):
    with pytest.raises(ValueError):
        has_capability(dr_alice, "clinical.veiw")


def test_inactive_user_has_nothing(dr_charlie):
    dr_charlie.is_active = False
    assert capabilities(dr_charlie) == frozenset()


def test_user_admin_pages_for_administrators_only(client, dr_alice, bob_secretary):
    client.force_login(bob_secretary)
    assert client.get(reverse("accounts:users")).status_code == 403
    client.force_login(dr_alice)
    assert client.get(reverse("accounts:users")).status_code == 200
    response = client.post(reverse("accounts:user_new"), {
        "username": "zoe", "first_name": "Zoé", "last_name": "Faure", "role": "secretary",
        "password": PASSWORD})
    assert response.status_code == 302
    from intramuros.accounts.models import User

    assert User.objects.get(username="zoe").role == "secretary"


def test_navigation_follows_capabilities(client, bob_secretary, dr_alice):
    client.force_login(bob_secretary)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("accounts:users") not in html
    client.force_login(dr_alice)
    assert reverse("accounts:users") in client.get(reverse("core:home")).content.decode()
