"""Export the demo practice, import it into a fresh data directory, export again: identical files."""

import filecmp
import os
import subprocess
import sys

import pytest


def _run(data_dir, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_"))}
    if os.environ.get("INTRAMUROS_DATABASE_URL"):
        pytest.skip("the round trip runs on two embedded databases")
    result = subprocess.run([sys.executable, "-m", "intramuros", "--data-dir", str(data_dir), *args], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_round_trip_on_the_demo_practice_is_lossless(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    _run(first, "init")
    _run(first, "demo", "--patients", "40")
    _run(first, "export", "fhir", str(tmp_path / "export1"))
    _run(second, "init")
    _run(second, "import", "fhir", str(tmp_path / "export1"))
    _run(second, "export", "fhir", str(tmp_path / "export2"))
    names = sorted(os.listdir(tmp_path / "export1"))
    assert "Patient.ndjson" in names and names == sorted(os.listdir(tmp_path / "export2"))
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "export1", tmp_path / "export2", names, shallow=False)
    assert not mismatch and not errors, mismatch
    assert (tmp_path / "export1" / "Patient.ndjson").read_text().count("\n") == 40
    # Every kind of record the demo makes is in the comparison, not only the clinical ones.
    for name, marker in (("Appointment", '"resourceType":"Appointment"'), ("Schedule", '"id":"calendar-'),
                         ("HealthcareService", '"id":"apptype-'), ("Slot", '"id":"unavailable-'),
                         ("MedicationRequest", '"id":"rx-'), ("DocumentReference", '"id":"printed-'),
                         ("DocumentReference", '"id":"letter-'), ("DocumentReference", '"id":"doc-')):
        assert marker in (tmp_path / "export1" / f"{name}.ndjson").read_text(), name


def test_import_refuses_a_tampered_export_and_imports_nothing(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    _run(source, "init")
    _run(source, "demo", "--patients", "10")
    _run(source, "export", "fhir", str(tmp_path / "export"))
    patients = tmp_path / "export" / "Patient.ndjson"
    patients.write_text(patients.read_text().replace('"female"', '"femme"', 1))
    _run(target, "init")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_"))}
    result = subprocess.run([sys.executable, "-m", "intramuros", "--data-dir", str(target), "import", "fhir",
                             str(tmp_path / "export")], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "does not match the manifest" in result.stdout
    assert "nothing was imported" in result.stderr
