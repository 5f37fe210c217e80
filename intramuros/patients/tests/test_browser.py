"""In a real browser: the patient list filters as the receptionist types (htmx)."""

import datetime

import pytest
from playwright.sync_api import expect

from intramuros.testing.personas import PASSWORD, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_as_you_type(page, bob_secretary, jeanne_martin):
    make_patient(birth_name="Dupont", first_names="Jean", sex="M", birth_date=datetime.date(1980, 1, 2), nir="",
                 phone_mobile="07 00 00 00 01")
    page.goto("/accounts/login/?next=/patients/")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/patients/")
    search = page.locator("input[data-search]")
    rows = page.locator("#patient-results tr[data-patient]")
    search.press_sequentially("dupont j", delay=30)  # no Enter: htmx asks as one types
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("DUPONT")
    search.fill("")
    search.press_sequentially("06 12", delay=30)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("MARTIN")
    assert page.url.endswith("/patients/")  # the page itself never reloaded
    rows.first.locator("a").click()
    page.wait_for_url(f"**/patients/{jeanne_martin.pk}/")
    expect(page.locator("h1")).to_contain_text("MARTIN")
