"""The app shell: security headers, language, idle timeout, static files served by the app."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_security_headers_on_every_page(alice_client):
    response = alice_client.get(reverse("core:home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_login_page_has_no_inline_script_and_no_outside_url(client, dr_alice):
    html = client.get(reverse("accounts:login")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)


def test_french_by_default_english_selectable(client, dr_alice):
    page = client.get(reverse("accounts:login"))
    assert 'lang="fr"' in page.content.decode()
    assert "Connexion" in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("accounts:login"))
    assert 'lang="en"' in page.content.decode()
    assert "Log in" in page.content.decode()


def test_the_language_switch_marks_the_active_language_and_comes_back_to_the_page(client, dr_alice):
    html = client.get(reverse("accounts:login") + "?next=/agenda/&x=<b>").content.decode()
    form = re.search(r'<form action="([^"]+)" method="post" class="lang-switch".*?</form>', html, re.S)
    assert form and form.group(1) == reverse("set_language")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(0))
    assert token and len(token.group(1)) == 64
    assert 'name="next" type="hidden" value="/accounts/login/?next=/agenda/&amp;x=%3Cb%3E"' in form.group(0)
    assert '<option value="fr" selected>Français</option>' in form.group(0)
    assert '<option value="en">English</option>' in form.group(0)
    assert ">Langue</label>" in form.group(0) and ">Changer</button>" in form.group(0)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    form = client.get(reverse("accounts:login")).content.decode()
    assert '<option value="en" selected>English</option>' in form and ">Change</button>" in form


def test_idle_timeout_is_configured_and_an_active_session_is_renewed(alice_client, monkeypatch):
    from intramuros.core.middleware import SessionRenewalMiddleware

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert "intramuros.core.middleware.SessionRenewalMiddleware" in settings.MIDDLEWARE
    first = alice_client.get(reverse("core:home"))
    assert settings.SESSION_COOKIE_NAME in first.cookies  # renewed: a new expiry is sent
    again = alice_client.get(reverse("core:home"))
    assert settings.SESSION_COOKIE_NAME not in again.cookies  # within the minute: no write
    monkeypatch.setattr(SessionRenewalMiddleware, "RENEW_EVERY", 0)
    assert settings.SESSION_COOKIE_NAME in alice_client.get(reverse("core:home")).cookies


def test_production_cookies_are_secure(monkeypatch):
    import importlib

    import intramuros.settings as production

    monkeypatch.setenv("INTRAMUROS_HTTPS", "1")
    reloaded = importlib.reload(production)
    try:
        assert reloaded.SESSION_COOKIE_SECURE and reloaded.CSRF_COOKIE_SECURE
        assert reloaded.SESSION_COOKIE_HTTPONLY and reloaded.SESSION_COOKIE_SAMESITE == "Strict"
        assert reloaded.SECURE_HSTS_SECONDS >= 31536000
    finally:
        monkeypatch.delenv("INTRAMUROS_HTTPS")
        importlib.reload(production)


def test_static_files_are_served_by_the_app(client):
    response = client.get("/static/intramuros/app.css")
    assert response.status_code == 200
    htmx = client.get("/static/django_htmx/htmx-2.min.js")
    assert htmx.status_code == 200


def test_health_endpoint_says_ok_without_data(client):
    response = client.get("/health")
    assert response.json() == {"status": "ok"}


def test_the_navigation_bar_marks_the_current_entry_and_counts_its_badges_only_when_shown(alice_client, monkeypatch):
    from intramuros.core import navigation

    calls = []
    assert "messaging:inbox" in navigation.BADGES  # registered by the messaging app
    monkeypatch.setitem(navigation.BADGES, "messaging:inbox", (lambda request: calls.append(1) or 3, "<unread>"))
    alice_client.get(reverse("patients:search"), {"q": "mar"}, HTTP_HX_REQUEST="true")
    assert calls == []  # a partial shows no navigation: nothing counted
    html = alice_client.get(reverse("patients:index")).content.decode()
    nav = re.search(r"<nav [^>]*>\s*<ul>(.*?)</ul>", html, re.S).group(1)
    assert calls == [1]
    assert nav.count("aria-current") == 1 and f'<a href="{reverse("patients:index")}" aria-current="page">' in nav
    assert f'<a href="{reverse("messaging:inbox")}">Messages <span class="badge danger" title="&lt;unread&gt;">3</span>' in nav
    assert "Salle d&#x27;attente" in nav  # labels translated and escaped


def test_the_navigation_bar_shows_only_the_role_s_entries(bob_client):
    html = bob_client.get(reverse("patients:index")).content.decode()
    nav = re.search(r"<nav [^>]*>\s*<ul>(.*?)</ul>", html, re.S).group(1)
    assert f'href="{reverse("patients:index")}"' in nav
    assert f'href="{reverse("audit:index")}"' not in nav and f'href="{reverse("backup:index")}"' not in nav
