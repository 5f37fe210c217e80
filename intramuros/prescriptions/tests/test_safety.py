"""Safety checks before signing: allergies, interactions, duplicates, pregnancy, and going on with a reason."""

import pytest

from intramuros.audit.models import AuditEvent
from intramuros.prescriptions import clinical_bridge
from intramuros.prescriptions.safety import run_checks
from intramuros.prescriptions.services import SafetyCheckRequired, prescription_issue


@pytest.fixture
def record(jeanne_martin, dr_alice):
    """Write to the patient's record through the clinical app."""
    from intramuros.clinical.models import Allergy
    from intramuros.clinical.services import treatment_add

    class Record:
        def allergy(self, substance, severity="severe"):
            return Allergy.objects.create(patient=jeanne_martin, substance=substance, severity=severity)

        def treatment(self, name):
            return treatment_add(patient=jeanne_martin, actor=dr_alice, drug=name)

    return Record()


def _kinds(findings):
    return [(f.kind, f.level) for f in findings if f.kind != "thesaurus"]


def test_allergy_to_a_substance_matches_accent_insensitively(catalogue, drug, jeanne_martin, record):
    record.allergy("Amoxicilline")
    findings = run_checks(patient=jeanne_martin, items=[{"drug": drug("61000003").pk}])
    assert _kinds(findings) == [("allergy", "high")]
    assert "CLAMOXYL" in findings[0].title


def test_allergy_to_a_class_matches_by_thesaurus_class(catalogue, thesaurus, drug, jeanne_martin, record):
    record.allergy("pénicillines", severity="moderate")
    findings = run_checks(patient=jeanne_martin, items=[{"drug": drug("61000004").pk}])
    assert [k for k, _level in _kinds(findings)] == ["allergy"]


def test_allergy_by_generic_group(catalogue, drug, jeanne_martin, record):
    record.allergy("Clamoxyl")  # the princeps' name: its generic AMOXICILLINE SANDOZ is in the same group
    findings = run_checks(patient=jeanne_martin, items=[{"drug": drug("61000004").pk}])
    assert [k for k, _level in _kinds(findings)] == ["allergy"]


def test_interaction_with_a_current_treatment_has_its_level(catalogue, thesaurus, drug, jeanne_martin, record):
    record.treatment("COUMADINE 5 mg, comprimé sécable")
    findings = run_checks(patient=jeanne_martin, items=[{"drug": drug("61000005").pk}])  # ibuprofène
    interactions = [f for f in findings if f.kind == "interaction"]
    assert interactions and interactions[0].level in {"ci", "ad", "pe"}
    assert "current treatment" in interactions[0].title or "traitement" in interactions[0].title


def test_interaction_between_new_lines_of_free_text(thesaurus, jeanne_martin):
    findings = run_checks(patient=jeanne_martin, items=[{"label": "Isotrétinoïne 20 mg"},
                                                        {"label": "Doxycycline 100 mg"}])
    assert ("interaction", "ci") in _kinds(findings)


def test_same_substance_twice(catalogue, drug, jeanne_martin):
    findings = run_checks(patient=jeanne_martin, items=[{"drug": drug("61000001").pk}, {"drug": drug("61000002").pk}])
    assert _kinds(findings) == [("duplicate", "high")]


def test_pregnancy_flags_a_teratogenic_drug(catalogue, drug, jeanne_martin, monkeypatch):
    monkeypatch.setattr(clinical_bridge, "reproductive_status",
                        lambda patient: clinical_bridge.Reproductive(pregnant=True))
    findings = run_checks(patient=jeanne_martin, items=[{"drug": drug("61000012").pk}, {"drug": drug("61000001").pk}])
    assert ("pregnancy", "ci") in _kinds(findings)
    assert ("pregnancy", "info") in _kinds(findings)  # paracétamol: nothing known locally, not blocking


def test_breastfeeding_is_checked(jeanne_martin, monkeypatch, db):
    monkeypatch.setattr(clinical_bridge, "reproductive_status",
                        lambda patient: clinical_bridge.Reproductive(breastfeeding=True))
    findings = run_checks(patient=jeanne_martin, items=[{"label": "Lithium 400 mg"}])
    assert _kinds(findings) == [("breastfeeding", "ci")]


def test_signing_needs_a_reason_and_keeps_it(catalogue, drug, jeanne_martin, dr_alice, record):
    record.allergy("paracétamol")
    items = [{"drug": drug("61000001").pk, "quantity": "1", "unit": "tablet", "frequency": "day",
              "frequency_count": 3}]
    with pytest.raises(SafetyCheckRequired) as exc:
        prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=items)
    assert exc.value.findings[0].kind == "allergy"
    assert not jeanne_martin.prescriptions.exists()
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=items,
                                      override_reason="Allergie ancienne non confirmée, test de réintroduction")
    assert prescription.override_reason.startswith("Allergie ancienne")
    assert prescription.safety_warnings[0]["kind"] == "allergy"
    event = AuditEvent.objects.get(action="prescriptions.prescription.issued")
    assert event.flagged and event.detail["overridden"] is True


def test_no_finding_no_reason_needed(catalogue, thesaurus, drug, jeanne_martin, dr_alice):
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice,
                                      items=[{"drug": drug("61000001").pk}], override_reason="ignored")
    assert prescription.safety_warnings == [] and prescription.override_reason == ""


def test_pregnancy_is_read_from_the_follow_up_form(catalogue, drug, jeanne_martin, dr_alice):
    import datetime

    from django.utils import timezone

    from intramuros.clinical.services import consultation_create, forms_sync_shipped

    version = next(v for v in forms_sync_shipped() if v.definition.key == "pregnancy_followup")
    consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice, data={}, form_version=version,
                        form_values={"lmp": timezone.localdate() - datetime.timedelta(weeks=12)})
    assert clinical_bridge.reproductive_status(jeanne_martin).pregnant
    findings = run_checks(patient=jeanne_martin, items=[{"drug": drug("61000012").pk}])
    assert ("pregnancy", "ci") in _kinds(findings)


def test_check_panel_checks_validated_lines_with_their_generic_group(catalogue, drug, jeanne_martin, record):
    from intramuros.prescriptions.services import prescription_check

    record.allergy("Clamoxyl")  # found through the generic group of AMOXICILLINE SANDOZ, loaded by clean_items
    findings = prescription_check(patient=jeanne_martin, items=[{"drug": drug("61000004").pk, "quantity": "1",
                                                                 "unit": "tablet"}])
    assert [k for k, _level in _kinds(findings)] == ["allergy"]
    assert "same generic group" in findings[0].detail or "groupe" in findings[0].detail


def test_check_panel_says_nothing_while_a_line_does_not_validate(catalogue, drug, jeanne_martin, record):
    from intramuros.prescriptions.services import prescription_check

    record.allergy("Clamoxyl")
    assert prescription_check(patient=jeanne_martin, items=[{"drug": drug("61000004").pk, "quantity": "-2"}]) is None
    assert prescription_check(patient=jeanne_martin, items=[]) is None


def test_only_treatments_current_today_are_checked(catalogue, jeanne_martin, dr_alice):
    import datetime

    from django.utils import timezone

    from intramuros.clinical.services import treatment_add

    today = timezone.localdate()
    treatment_add(patient=jeanne_martin, actor=dr_alice, drug="COUMADINE 5 mg, comprimé sécable")
    treatment_add(patient=jeanne_martin, actor=dr_alice, drug="ADVIL 200 mg, comprimé enrobé", kind="short_term",
                  start=today - datetime.timedelta(days=10), end=today - datetime.timedelta(days=1))
    treatment_add(patient=jeanne_martin, actor=dr_alice, drug="TRIATEC 5 mg, comprimé sécable", kind="short_term",
                  start=today, end=today)
    treatment_add(patient=jeanne_martin, actor=dr_alice, drug="DOLIPRANE 1000 mg, comprimé",
                  start=today + datetime.timedelta(days=2))
    assert sorted(t.name for t in clinical_bridge.current_treatments(jeanne_martin)) == [
        "COUMADINE 5 mg, comprimé sécable", "TRIATEC 5 mg, comprimé sécable"]
