"""In a real browser: the ICD-10 picker (htmx search, a click fills the code) and a consultation with a form."""

import pytest

from intramuros.clinical.models import Antecedent, Consultation
from intramuros.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/" not in url)


def test_picking_an_icd10_code_from_the_search_fills_the_field(page, dr_alice, jeanne_martin, icd):
    _login(page)
    page.goto(f"/clinical/p/{jeanne_martin.pk}/record/antecedent/add/?category=medical")
    page.fill("#id_icd10", "asthma")
    pick = page.locator('.icd-pick[data-code="J45.9"]')
    pick.wait_for()
    pick.click()
    assert page.input_value("#id_icd10") == "J45.9"
    assert page.input_value("#id_label")  # the label was empty: the code's label fills it
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**/clinical/p/{jeanne_martin.pk}/record/")
    assert Antecedent.objects.get(patient=jeanne_martin).icd10 == "J45.9"


def test_a_consultation_with_diagnoses_and_a_growth_form(page, dr_alice, paul_durand, icd, shipped_forms):
    _login(page)
    definition = shipped_forms["paediatric_growth"].definition
    page.goto(f"/clinical/p/{paul_durand.pk}/consultations/new/?form={definition.pk}")
    page.fill("#id_reason", "Suivi")
    page.fill("#id_diagnoses", "Z00")
    page.locator('.icd-pick[data-code="Z00.1"]').click()
    assert page.input_value("#id_diagnoses").startswith("Z00.1")
    page.fill("#id_form-weight", "18,5")
    page.fill("#id_form-height", "109")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/consultations/*/")
    assert "Z00.1" in page.content()
    c = Consultation.objects.get(patient=paul_durand)
    assert [d.code for d in c.diagnoses.all()] == ["Z00.1"]
    page.goto(f"/clinical/p/{paul_durand.pk}/charts/")
    assert page.locator("svg.chart").count() >= 2
    page.screenshot(path="/tmp/clinical_charts.png", full_page=True)
