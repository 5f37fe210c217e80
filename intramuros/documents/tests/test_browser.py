"""In a real browser: the template editor's live preview (htmx) and the in-page document viewer (CSP, framing)."""

import datetime

import pytest
from playwright.sync_api import expect

from intramuros.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**{next_url}")


def test_template_preview_updates_as_you_type(page, dr_alice):
    login(page, "alice", "/documents/templates/new/")
    body = page.locator("textarea[name=body]")
    body.fill("")
    body.press_sequentially("<p>Bonjour {{ patient.name }}</p>", delay=5)
    expect(page.locator("#preview")).to_contain_text("Jeanne MARTIN")
    body.fill("")
    body.press_sequentially("<p>{{ patient.nom }}</p>", delay=5)
    expect(page.locator("#preview [role=alert]")).to_contain_text("patient.nom")


def test_document_viewer_shows_the_decrypted_image_in_the_page(page, dr_alice, jeanne_martin):
    from intramuros.documents import services
    from intramuros.documents.tests import samples

    doc = services.document_upload(actor=dr_alice, patient=jeanne_martin, data=samples.png((300, 200)),
                                   name="scan.png", title="Radio", document_date=datetime.date(2026, 1, 2),
                                   category="imaging")
    login(page, "alice", f"/documents/d/{doc.pk}/")
    expect(page.locator("img.viewer-image")).to_have_js_property("naturalWidth", 300)
