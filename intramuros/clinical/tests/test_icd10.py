from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from intramuros.clinical import icd10
from intramuros.clinical.models import Icd10Code

SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.django_db
def test_the_who_codes_load_lazily_on_first_search():
    assert Icd10Code.objects.count() == 0
    results = icd10.icd10_search("J06")
    assert Icd10Code.objects.count() > 12000
    assert results[0].code == "J06" and "J06.9" in [r.code for r in results]


@pytest.mark.django_db
def test_search_by_words_ignores_case_and_accents(icd):
    codes = [r.code for r in icd10.icd10_search("ESSENTIAL hypertension")]
    assert "I10" in codes


@pytest.mark.django_db
def test_claml_import_adds_french_labels_and_french_only_codes(icd):
    report = icd10.icd10_import_claml(SAMPLES / "cim10_sample.xml")
    assert (report.updated, report.created) == (3, 1)
    i10 = Icd10Code.objects.get(code="I10")
    assert i10.label_fr == "Hypertension essentielle (primitive)"
    assert i10.label_en == "Essential (primary) hypertension"
    with translation.override("fr"):
        assert i10.label == "Hypertension essentielle (primitive)"
        assert [r.code for r in icd10.icd10_search("hypertension primitive")] == ["I10"]
    with translation.override("en"):
        assert i10.label == "Essential (primary) hypertension"
    assert Icd10Code.objects.get(code="R26.30").label_fr == "Syndrome post-chute"


@pytest.mark.django_db
def test_claml_with_xml_entities_is_refused_and_nothing_imported(icd):
    with pytest.raises(icd10.ClamlError, match="entities"):
        icd10.icd10_import_claml(SAMPLES / "entity_bomb.xml")
    assert not Icd10Code.objects.exclude(label_fr="").exists()


@pytest.mark.django_db
def test_the_command_loads_and_imports(capsys):
    call_command("icd10", "load")
    call_command("icd10", "import-claml", str(SAMPLES / "cim10_sample.xml"))
    out = capsys.readouterr().out
    assert "codes added" in out and "3 French labels imported" in out


@pytest.mark.django_db
def test_the_command_says_plainly_when_the_file_is_missing():
    with pytest.raises(CommandError, match="does not exist"):
        call_command("icd10", "import-claml", "/nonexistent/cim10.xml")


@pytest.mark.django_db
def test_the_search_page_returns_pickable_results(alice_client):
    response = alice_client.get("/clinical/icd10/search/", {"field": "icd10", "icd10": "asthma", "target": "id_icd10"},
                                HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'data-code="J45.9"' in response.content and b'data-target="id_icd10"' in response.content


@pytest.mark.django_db
def test_the_search_page_is_closed_to_the_secretary(bob_client):
    assert bob_client.get("/clinical/icd10/search/", {"q": "asthma"}).status_code == 403
