"""The printed prescription: PDF produced, kept encrypted exactly as printed, duplicates marked, ALD layout."""

import hashlib

import pytest

from intramuros.audit.models import AuditEvent
from intramuros.prescriptions.printing import pdf_context
from intramuros.prescriptions.services import prescription_issue, prescription_print, print_bytes


@pytest.fixture
def ald_prescription(catalogue, drug, jeanne_martin, dr_alice):
    return prescription_issue(patient=jeanne_martin, prescriber=dr_alice, layout="ald", page_size="A5", items=[
        {"drug": drug("61000007").pk, "quantity": "1", "unit": "tablet", "moments": ["morning", "evening"],
         "duration": 3, "duration_unit": "months", "renewals": 2, "ald": True, "non_substitutable": "MTE"},
        {"drug": drug("61000001").pk, "quantity": "1", "unit": "tablet", "frequency": "prn", "frequency_count": 3},
        {"kind": "lab", "label": "HbA1c, créatininémie", "ald": True},
    ])


def test_ald_layout_puts_condition_lines_in_the_upper_zone(ald_prescription):
    context = pdf_context(ald_prescription)
    assert [i["label"] for i in context["ald_lines"]] == ["GLUCOPHAGE 1000 mg, comprimé pelliculé",
                                                         "HbA1c, créatininémie"]
    assert [i["label"] for i in context["other_lines"]] == ["DOLIPRANE 1000 mg, comprimé"]
    assert context["ald_lines"][0]["mentions"] == ["À renouveler 2 fois", "Non substituable (MTE)"]
    assert context["ald_lines"][0]["dci"] == "metformine"  # the therapeutic fraction, not the salt
    assert context["other_lines"][0]["dci"] == "paracétamol"


def test_ald_layout_without_ald_line_is_refused(catalogue, drug, jeanne_martin, dr_alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="ALD"):
        prescription_issue(patient=jeanne_martin, prescriber=dr_alice, layout="ald",
                           items=[{"drug": drug("61000001").pk}])


def test_print_is_a_pdf_kept_encrypted_and_duplicates_are_marked(ald_prescription, dr_alice):
    from intramuros.documents.models import StoredFile
    from intramuros.documents.storage import stored_path

    first = prescription_print(prescription=ald_prescription, user=dr_alice)
    assert not first.duplicate
    data = print_bytes(printed=first, user=dr_alice)
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == first.sha256
    stored = StoredFile.objects.get(pk=first.stored_file_id)
    assert b"%PDF" not in stored_path(stored).read_bytes()  # encrypted at rest
    second = prescription_print(prescription=ald_prescription, user=dr_alice)
    assert second.duplicate and second.sha256 != first.sha256
    assert print_bytes(printed=first, user=dr_alice) == data  # the original stays exactly as printed
    assert AuditEvent.objects.filter(action="prescriptions.prescription.printed").count() == 2


def test_pdf_text_has_header_patient_lines_and_duplicate_mark(ald_prescription, dr_alice):
    import io

    pypdf = pytest.importorskip("pypdf")
    prescription_print(prescription=ald_prescription, user=dr_alice)
    duplicate = prescription_print(prescription=ald_prescription, user=dr_alice)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(
        io.BytesIO(print_bytes(printed=duplicate, user=dr_alice))).pages)
    for expected in ("Dr Alice Bernard", "10001234567", "MARTIN Jeanne", "GLUCOPHAGE", "DUPLICATA",
                     "1 comprimé le matin et le soir pendant 3 mois", "Page 1"):
        assert expected in text, expected


def test_printed_lines_read_every_dci_in_one_query(ald_prescription, django_assert_num_queries):
    from intramuros.prescriptions.printing import printed_lines

    with django_assert_num_queries(2):  # every composition of the lines' drugs with its substance; the lines
        lines = printed_lines(ald_prescription)
    assert [line["dci"] for line in lines] == ["metformine", "paracétamol", ""]


def test_pdf_is_rendered_outside_the_write_transaction(ald_prescription, dr_alice, monkeypatch):
    """Rendering takes tens of milliseconds: the database's one writer must not be held meanwhile."""
    from django.db import connection

    from intramuros.prescriptions import services

    depth_at_call = len(connection.atomic_blocks)
    seen = []
    real_render = services.render_prescription_pdf

    def render(*args, **kwargs):
        seen.append(len(connection.atomic_blocks))
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services, "render_prescription_pdf", render)
    printed = prescription_print(prescription=ald_prescription, user=dr_alice)
    assert seen == [depth_at_call] and not printed.duplicate


def test_a_print_that_lost_the_race_for_the_original_is_a_duplicate(ald_prescription, dr_alice, monkeypatch):
    from intramuros.prescriptions import services

    real_render = services.render_prescription_pdf
    winner = []

    def render(*args, **kwargs):
        # Another print of the same prescription completes while this one renders.
        monkeypatch.setattr(services, "render_prescription_pdf", real_render)
        winner.append(prescription_print(prescription=ald_prescription, user=dr_alice))
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services, "render_prescription_pdf", render)
    late = prescription_print(prescription=ald_prescription, user=dr_alice)
    assert not winner[0].duplicate and late.duplicate
    assert ald_prescription.prints.filter(duplicate=False).count() == 1
    original = print_bytes(printed=winner[0], user=dr_alice)
    assert print_bytes(printed=late, user=dr_alice) != original and late.size > 0
