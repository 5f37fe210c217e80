"""Export the demo practice, import it into a fresh data directory, export again: identical files."""

import filecmp
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(bool(os.environ.get("INTRAMUROS_DATABASE_URL")),
                                reason="the round trip runs on two embedded databases")


def _env():
    return {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_"))}


def _run(data_dir, *args):
    result = subprocess.run([sys.executable, "-m", "intramuros", "--data-dir", str(data_dir), *args], env=_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory, initialised_data_dir):
    """The demo practice (40 patients) exported once: both tests only read it (or a copy of it)."""
    base = tmp_path_factory.mktemp("fhir")
    source = initialised_data_dir(base / "source", _env())
    _run(source, "demo", "--patients", "40")
    _run(source, "export", "fhir", str(base / "export"))
    return base / "export"


def test_round_trip_on_the_demo_practice_is_lossless(tmp_path, demo_export, initialised_data_dir):
    export1 = demo_export
    second = initialised_data_dir(tmp_path / "second", _env())
    _run(second, "import", "fhir", str(export1))
    _run(second, "export", "fhir", str(tmp_path / "export2"))
    names = sorted(os.listdir(export1))
    assert "Patient.ndjson" in names and names == sorted(os.listdir(tmp_path / "export2"))
    match, mismatch, errors = filecmp.cmpfiles(export1, tmp_path / "export2", names, shallow=False)
    assert not mismatch and not errors, mismatch
    assert (export1 / "Patient.ndjson").read_text().count("\n") == 40
    # Every kind of record the demo makes is in the comparison, not only the clinical ones.
    for name, marker in (("Appointment", '"resourceType":"Appointment"'), ("Schedule", '"id":"calendar-'),
                         ("HealthcareService", '"id":"apptype-'), ("Slot", '"id":"unavailable-'),
                         ("MedicationRequest", '"id":"rx-'), ("DocumentReference", '"id":"printed-'),
                         ("DocumentReference", '"id":"letter-'), ("DocumentReference", '"id":"doc-')):
        assert marker in (export1 / f"{name}.ndjson").read_text(), name


def test_import_refuses_a_tampered_export_and_imports_nothing(tmp_path, demo_export, initialised_data_dir):
    export = shutil.copytree(demo_export, tmp_path / "export")  # the shared export stays as it was made
    patients = export / "Patient.ndjson"
    original = patients.read_text()
    patients.write_text(original.replace('"female"', '"femme"', 1))
    assert patients.read_text() != original
    target = initialised_data_dir(tmp_path / "target", _env())
    result = subprocess.run([sys.executable, "-m", "intramuros", "--data-dir", str(target), "import", "fhir",
                             str(export)], env=_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "does not match the manifest" in result.stdout
    assert "nothing was imported" in result.stderr
