"""Form posts from the practice's own pages pass; posts from elsewhere do not."""

import pytest
from django.test import Client
from django.urls import reverse

from intramuros.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _post_login(origin, fetch_site, secure=True):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("accounts:login"), secure=secure)
    token = page.context["csrf_token"]
    headers = {"HTTP_ORIGIN": origin}
    if fetch_site:
        headers["HTTP_SEC_FETCH_SITE"] = fetch_site
    return client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD,
                                                   "csrfmiddlewaretoken": str(token)}, secure=secure, **headers)


def test_null_origin_from_the_same_site_is_accepted(dr_alice):
    assert _post_login("null", "same-origin").status_code == 302


def test_null_origin_from_another_site_is_refused(dr_alice):
    assert _post_login("null", "cross-site").status_code == 403
    assert _post_login("null", None).status_code == 403


def test_foreign_origin_is_refused(dr_alice):
    assert _post_login("https://evil.example", "cross-site").status_code == 403
