"""FHIR NDJSON from another software: new ids, references renumbered, a dry-run report that says what
would be created and what is rejected and why, and nothing half-imported."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from intramuros.clinical.models import Antecedent, Consultation, Problem
from intramuros.interop.fhir.bulk import fhir_import
from intramuros.patients.models import Patient

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples" / "foreign"
EXPECTED = {"Practitioner": 1, "Patient": 1, "Condition": 2, "AllergyIntolerance": 1, "Encounter": 1}


def test_dry_run_reports_what_would_be_created_and_each_rejection(dr_alice):
    report = fhir_import(actor=dr_alice, folder=SAMPLES, dry_run=True)
    assert report.foreign and not report.applied and report.counts == EXPECTED
    reasons = "\n".join(report.errors)
    assert len(report.errors) == 4
    assert "Other.ndjson line 1: unknown resource type 'Spaceship'" in reasons
    assert "Patient.ndjson line 2: invalid Patient: birthDate" in reasons
    assert "Patient.ndjson line 1: nir" in reasons
    assert "Condition.ndjson line 3: Patient/pat-b2 does not exist here" in reasons
    assert Patient.all_objects.count() == 0


def test_import_is_all_or_nothing_unless_told_to_skip_rejected_lines(dr_alice):
    assert not fhir_import(actor=dr_alice, folder=SAMPLES).applied
    assert Patient.all_objects.count() == 0
    report = fhir_import(actor=dr_alice, folder=SAMPLES, skip_rejected=True)
    assert report.applied
    petit = Patient.objects.get(birth_name="Petit")
    assert Problem.objects.get(patient=petit).icd10 == "E11"
    antecedent = Antecedent.objects.get(patient=petit)
    assert (antecedent.label, antecedent.year) == ("Appendicectomie", 1999)
    consultation = Consultation.objects.get(patient=petit)
    assert consultation.practitioner.last_name == "Garnier" and consultation.reason == "Renouvellement"
    from intramuros.clinical.models import Allergy

    assert Allergy.objects.get(patient=petit).substance == "Pénicilline"


def test_the_command_prints_counts_and_rejections(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SAMPLES, folder)
    out = io.StringIO()
    with pytest.raises(CommandError, match="4 line"):
        call_command("import", "fhir", str(folder), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "would be created" in text and "another software" in text
    assert "Patient                               1" in text
    assert text.count("rejected: ") == 4


def test_absolute_and_versioned_references_are_renumbered_too():
    from intramuros.interop.fhir.bulk import _renumber

    ids = {"Patient/abc": "Patient/7"}
    data = {"subject": {"reference": "https://old.example/fhir/Patient/abc/_history/3"},
            "performer": [{"reference": "Patient/abc"}], "other": {"reference": "Patient/zzz"}}
    assert _renumber(data, ids) == {"subject": {"reference": "Patient/7"}, "performer": [{"reference": "Patient/7"}],
                                    "other": {"reference": "Patient/zzz"}}
