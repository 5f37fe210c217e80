"""The administration pages: API tokens (shown once, revocable) and the CSV import of patients in three steps."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intramuros.interop.fhir.tokens import api_token_check
from intramuros.interop.models import ApiToken
from intramuros.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_token_is_shown_once_then_only_its_hash_is_kept_and_it_can_be_revoked(alice_client):
    page = alice_client.post(reverse("interop:tokens"), {"name": "statistics", "can_write": ""})
    token = page.context["new_token"]
    assert token.startswith("imt_") and token in page.content.decode()
    stored = ApiToken.objects.get(name="statistics")
    assert token not in stored.token_hash and not stored.can_write
    assert token not in alice_client.get(reverse("interop:tokens")).content.decode()
    assert api_token_check(f"Bearer {token}") == stored
    alice_client.post(reverse("interop:token_revoke", args=[stored.pk]))
    assert api_token_check(f"Bearer {token}") is None


def test_secretary_cannot_manage_tokens_nor_import(bob_client):
    assert bob_client.get(reverse("interop:tokens")).status_code == 403
    assert bob_client.get(reverse("interop:csv_upload")).status_code == 403


CSV = ("Nom;Prénom;Sexe;Date de naissance;Portable\n"
       "Lefèvre;Anne;F;02/04/1980;06 11 22 33 44\n"
       "Bad;Date;F;31/02/1990;\n").encode("cp1252")


def test_csv_import_upload_map_check_then_apply(alice_client):
    upload = alice_client.post(reverse("interop:csv_upload"),
                               {"file": SimpleUploadedFile("export.csv", CSV, content_type="text/csv")})
    assert upload.status_code == 302
    page = alice_client.get(reverse("interop:csv_mapping"))
    form = page.context["form"]
    guessed = {form.fields[f"col_{i}"].initial for i in range(5)}
    assert guessed == {"birth_name", "first_names", "sex", "birth_date", "phone_mobile"}
    choices = {f"col_{i}": form.fields[f"col_{i}"].initial for i in range(5)}
    check = alice_client.post(reverse("interop:csv_mapping"), dict(choices, date_format="%d/%m/%Y", check="1"))
    report = check.context["report"]
    assert report.n_created == 1 and report.n_rejected == 1 and not report.applied
    assert "31/02/1990" in check.content.decode() and Patient.objects.count() == 0
    refused = alice_client.post(reverse("interop:csv_mapping"), dict(choices, date_format="%d/%m/%Y", apply="1"))
    assert not refused.context["report"].applied and Patient.objects.count() == 0
    done = alice_client.post(reverse("interop:csv_mapping"),
                             dict(choices, date_format="%d/%m/%Y", apply="1", skip_bad_rows="on"))
    assert done.context["report"].applied
    assert list(Patient.objects.values_list("birth_name", flat=True)) == ["Lefèvre"]
    assert alice_client.get(reverse("interop:csv_mapping")).status_code == 302  # the file is gone from the session


def test_csv_mapping_requires_the_identity_columns(alice_client):
    alice_client.post(reverse("interop:csv_upload"),
                      {"file": SimpleUploadedFile("export.csv", CSV, content_type="text/csv")})
    page = alice_client.post(reverse("interop:csv_mapping"), {"col_0": "birth_name", "col_1": "birth_name",
                                                              "date_format": "%d/%m/%Y", "check": "1"})
    errors = " ".join(page.context["form"].non_field_errors())
    assert page.context["report"] is None and errors
    assert Patient.objects.count() == 0


def test_pages_are_translated_into_french():
    from django.utils import translation

    with translation.override("fr"):
        assert translation.gettext("API tokens") == "Jetons d'API"
        assert translation.gettext("Import patients from another software") == \
            "Importer les patients d'un autre logiciel"
