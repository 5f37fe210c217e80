"""Pages: catalogue search, a patient's prescriptions, the editor, printing; the secretary sees none of it."""

import pytest
from django.urls import reverse

from intramuros.prescriptions.models import Prescription, PrescriptionTemplate
from intramuros.prescriptions.selectors import drug_search
from intramuros.prescriptions.services import prescription_issue


def test_search_by_brand_or_substance_ignores_accents(catalogue):
    assert [d.cis for d in drug_search(text="dolip")] == ["61000001"]
    assert {d.cis for d in drug_search(text="paracetamol")} == {"61000001", "61000002"}
    assert {d.cis for d in drug_search(text="AMOXI 500")} == {"61000003"}
    assert [d.cis for d in drug_search(text="lévothy")] == ["61000008"]
    assert drug_search(text="x") == []


def test_search_hides_withdrawn_drugs(catalogue):
    from intramuros.prescriptions.importer import import_directory

    from .conftest import SAMPLES

    import_directory(SAMPLES / "refresh")
    assert drug_search(text="coumadine") == []
    assert [d.cis for d in drug_search(text="coumadine", include_withdrawn=True)] == ["61000006"]


def test_catalogue_page_answers_htmx_with_results_only(alice_client, catalogue):
    response = alice_client.get(reverse("prescriptions:index"), {"q": "clamox"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"CLAMOXYL 500 mg" in response.content and b"<html" not in response.content


def _line(uid, **fields):
    data = {f"line-{uid}-kind": fields.pop("kind", "drug"), f"line-{uid}-duration_unit": "days"}
    data.update({f"line-{uid}-{k}": v for k, v in fields.items()})
    return data


def test_editor_issues_a_prescription_then_prints_it(alice_client, catalogue, drug, jeanne_martin):
    url = reverse("prescriptions:new", kwargs={"patient_id": jeanne_martin.pk})
    assert alice_client.get(url).status_code == 200
    data = {"layout": "standard", "page_size": "A4", **_line("a1", drug=drug("61000001").pk, quantity="1",
                                                           unit="tablet", moments=["morning", "evening"],
                                                           duration="5"),
            **_line("b2", kind="physio", label="15 séances de kinésithérapie lombaire")}
    response = alice_client.post(url, data)
    prescription = Prescription.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{prescription.pk}/")
    assert [ln.kind for ln in prescription.lines.all()] == ["drug", "physio"]
    assert prescription.lines.first().dosage_text == "1 comprimé le matin et le soir pendant 5 jours"
    detail = alice_client.get(response.url)
    assert b"15 s\xc3\xa9ances" in detail.content
    printed = alice_client.post(reverse("prescriptions:print", args=[jeanne_martin.pk, prescription.pk]))
    pdf = alice_client.get(printed.url)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_a_print_is_served_only_under_its_own_patient_and_prescription(alice_client, catalogue, drug, jeanne_martin,
                                                                        paul_durand, dr_alice):
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, layout="standard", page_size="A4",
                                      items=[{"kind": "physio", "label": "10 séances"}])
    printed = alice_client.post(reverse("prescriptions:print", args=[jeanne_martin.pk, prescription.pk]))
    print_id = int(printed.url.removesuffix(".pdf").rsplit("/", 1)[1])
    assert alice_client.get(printed.url).status_code == 200

    def status(patient_id, prescription_id):
        return alice_client.get(reverse("prescriptions:print_file", args=[patient_id, prescription_id, print_id])
                                ).status_code

    assert status(paul_durand.pk, prescription.pk) == 404  # another patient's file
    assert status(jeanne_martin.pk, prescription.pk + 1) == 404  # another prescription
    assert alice_client.post(reverse("prescriptions:print", args=[paul_durand.pk, prescription.pk])).status_code == 404
    prescription.soft_delete(by=dr_alice)
    assert status(jeanne_martin.pk, prescription.pk) == 404
    assert alice_client.post(reverse("prescriptions:print", args=[jeanne_martin.pk, prescription.pk])
                             ).status_code == 404


def test_editor_shows_findings_and_asks_for_a_reason(alice_client, catalogue, drug, jeanne_martin):
    url = reverse("prescriptions:new", kwargs={"patient_id": jeanne_martin.pk})
    data = {"layout": "standard", "page_size": "A4", **_line("a1", drug=drug("61000001").pk),
            **_line("b2", drug=drug("61000002").pk)}
    response = alice_client.post(url, data)
    assert response.status_code == 409 and not Prescription.objects.exists()
    assert response.context["findings"][0].kind == "duplicate"
    response = alice_client.post(url, {**data, "override_reason": "Relais de forme galénique"})
    assert response.status_code == 302
    assert Prescription.objects.get().override_reason == "Relais de forme galénique"


def test_check_panel_and_new_line_fragments(alice_client, catalogue, drug, jeanne_martin):
    check = alice_client.post(reverse("prescriptions:check", args=[jeanne_martin.pk]),
                              {**_line("a1", drug=drug("61000001").pk), **_line("b2", drug=drug("61000002").pk)})
    assert check.status_code == 200 and b"rx-findings" in check.content
    line = alice_client.get(reverse("prescriptions:line_new"), {"drug": drug("61000003").pk})
    assert b"CLAMOXYL" in line.content and b'name="line-' in line.content


def test_renew_in_one_action_and_save_as_favourite(alice_client, catalogue, drug, jeanne_martin, dr_alice):
    first = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[
        {"drug": drug("61000009").pk, "quantity": "1", "unit": "tablet", "moments": ["morning"], "duration": 3,
         "duration_unit": "months"}])
    response = alice_client.post(reverse("prescriptions:renew", args=[jeanne_martin.pk, first.pk]))
    renewed = Prescription.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and renewed.renewal_of == first
    assert renewed.lines.get().dosage_text == first.lines.get().dosage_text
    alice_client.post(reverse("prescriptions:template_save", args=[jeanne_martin.pk, first.pk]), {"name": "HTA"})
    favourite = PrescriptionTemplate.objects.get()
    assert favourite.owner == dr_alice and favourite.items[0]["drug"] == drug("61000009").pk
    lines = alice_client.get(reverse("prescriptions:line_new"), {"template": favourite.pk})
    assert b"TRIATEC" in lines.content


def test_renewal_adds_treatment_once(catalogue, drug, jeanne_martin, dr_alice):
    from intramuros.clinical.models import Treatment
    from intramuros.prescriptions.services import prescription_renew

    first = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[{"drug": drug("61000009").pk}])
    prescription_renew(prescription=first, prescriber=dr_alice)
    assert list(Treatment.objects.filter(patient=jeanne_martin).values_list("drug", "source")) == [
        ("TRIATEC 5 mg, comprimé sécable", "prescriptions")]


def test_detail_reads_the_dosage_in_english_for_an_english_ui(alice_client, catalogue, drug, jeanne_martin,
                                                               dr_alice):
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[
        {"drug": drug("61000001").pk, "quantity": "2", "unit": "tablet", "frequency": "day", "frequency_count": 3}])
    url = reverse("prescriptions:detail", args=[jeanne_martin.pk, prescription.pk])
    assert "2 comprimés 3 fois par jour" in alice_client.get(url).content.decode()
    alice_client.cookies["django_language"] = "en"
    response = alice_client.get(url)
    assert "2 tablets 3 times a day" in response.content.decode()
    assert prescription.lines.get().dosage_text == "2 comprimés 3 fois par jour"  # the paper stays French


def test_patient_list_extends_the_file(alice_client, catalogue, drug, jeanne_martin, dr_alice):
    prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[{"drug": drug("61000001").pk}])
    response = alice_client.get(reverse("prescriptions:patient_list", kwargs={"patient_id": jeanne_martin.pk}))
    assert response.status_code == 200 and b"DOLIPRANE" in response.content


@pytest.mark.parametrize("name,kwargs", [
    ("prescriptions:index", {}),
    ("prescriptions:templates", {}),
    ("prescriptions:patient_list", {"patient_id": 1}),
    ("prescriptions:new", {"patient_id": 1}),
])
def test_secretary_is_denied(bob_client, jeanne_martin, name, kwargs):
    kwargs = {k: jeanne_martin.pk for k in kwargs}
    assert bob_client.get(reverse(name, kwargs=kwargs)).status_code == 403


def test_secretary_sees_no_prescription_in_the_timeline(catalogue, drug, jeanne_martin, dr_alice, bob_secretary):
    from intramuros.prescriptions.timeline import entries

    prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[{"drug": drug("61000001").pk}])
    assert list(entries(patient=jeanne_martin, user=bob_secretary)) == []
    (entry,) = entries(patient=jeanne_martin, user=dr_alice)
    assert entry.kind == "prescription" and "DOLIPRANE" in entry.detail


def test_another_patients_prescription_is_not_found(alice_client, catalogue, drug, jeanne_martin, paul_durand,
                                                     dr_alice):
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice,
                                      items=[{"drug": drug("61000001").pk}])
    url = reverse("prescriptions:detail", args=[paul_durand.pk, prescription.pk])
    assert alice_client.get(url).status_code == 404
