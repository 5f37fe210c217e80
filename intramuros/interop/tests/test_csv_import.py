"""Patients from another software: mapping, dry run, errors per line, nothing half-imported."""

import pytest

from intramuros.interop.csv_import import CsvImportError, patients_import
from intramuros.patients.models import Patient

pytestmark = pytest.mark.django_db

MAPPING = {"Nom": "birth_name", "Prénom": "first_names", "Sexe": "sex", "Naissance": "birth_date",
           "NIR": "nir", "Portable": "phone_mobile"}
CSV = ("Nom;Prénom;Sexe;Naissance;NIR;Portable\n"
       "Lefèvre;Anne;F;02/04/1980;;06 11 22 33 44\n"
       "Girard;Luc;homme;1969-12-31;;\n"
       "Bad;Date;F;31/02/1990;;\n"
       "Nir;Faux;M;01/01/1970;170017510812399;\n").encode("cp1252")


def test_dry_run_reports_and_saves_nothing(dr_alice):
    report = patients_import(actor=dr_alice, data=CSV, mapping=MAPPING, apply=False)
    assert not report.applied
    assert report.count("created") == 2 and report.count("rejected") == 2
    assert [r.line for r in report.rows if r.status == "rejected"] == [4, 5]
    assert Patient.objects.count() == 0


def test_apply_refuses_when_rows_are_bad_unless_told_to_skip(dr_alice):
    report = patients_import(actor=dr_alice, data=CSV, mapping=MAPPING, apply=True)
    assert not report.applied and Patient.objects.count() == 0
    report = patients_import(actor=dr_alice, data=CSV, mapping=MAPPING, apply=True, skip_bad_rows=True)
    assert report.applied
    assert sorted(Patient.objects.values_list("birth_name", flat=True)) == ["Girard", "Lefèvre"]


def test_duplicates_are_reported_not_created(dr_alice, jeanne_martin):
    data = "Nom;Prénom;Sexe;Naissance\nMARTIN;Jeanne;F;14/03/1975\n".encode()
    report = patients_import(actor=dr_alice, data=data, mapping={"Nom": "birth_name", "Prénom": "first_names",
                                                                  "Sexe": "sex", "Naissance": "birth_date"},
                             apply=True)
    assert report.count("duplicate") == 1 and Patient.objects.count() == 1


def test_mapping_errors_are_explained(dr_alice):
    with pytest.raises(CsvImportError, match="birth_date"):
        patients_import(actor=dr_alice, data=CSV, mapping={"Nom": "birth_name", "Prénom": "first_names",
                                                            "Sexe": "sex"}, apply=False)
    with pytest.raises(CsvImportError, match="(?i)inconnu|unknown"):
        patients_import(actor=dr_alice, data=CSV, mapping={"Absent": "birth_name"}, apply=False)
    with pytest.raises(CsvImportError):
        patients_import(actor=dr_alice, data=b"\x00\x01binary", mapping=MAPPING, apply=False)
