"""In a real browser: search as you type, add the drug as a line, see the safety panel, sign."""

import pytest

from intramuros.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_type_add_check_and_sign(page, dr_alice, jeanne_martin):
    from intramuros.prescriptions.importer import import_directory
    from intramuros.prescriptions.models import Prescription
    from intramuros.prescriptions.thesaurus import load_thesaurus

    from .conftest import SAMPLES

    import_directory(SAMPLES / "good")
    load_thesaurus()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto(f"/prescriptions/patient/{jeanne_martin.pk}/new/")
    page.fill("#rx-drug-q", "parac")
    page.locator("#rx-drug-results button", has_text="Ajouter").first.click()
    page.locator("[data-line]").first.wait_for()
    page.fill("#rx-drug-q", "dolipr")
    page.locator("#rx-drug-results li", has_text="DOLIPRANE").locator("button").click()
    page.locator("[data-line]").nth(1).wait_for()
    # Two drugs with the same substance: the safety panel says so before signing.
    page.locator(".rx-findings", has_text="même substance").wait_for()
    page.locator("[data-line]").nth(1).locator("[data-remove-line]").click()
    page.locator(".rx-clear").wait_for()
    page.locator("[data-line] input[name$='-quantity']").fill("1")
    page.locator("[data-line] select[name$='-unit']").select_option("capsule")
    page.locator("[data-line] input[name$=moments][value=morning]").check()
    page.click("#rx-form button[type=submit].primary")
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    line = Prescription.objects.get().lines.get()
    assert line.label.startswith("PARACÉTAMOL BIOGARAN") and line.dosage_text == "1 gélule le matin"
