"""Lab results in: HL7 v2 and HPRIM parsed with their quirks, matched, filed, shown; MLLP answers."""

import socket
from pathlib import Path

import pytest
from django.urls import reverse

from intramuros.audit.models import AuditEvent
from intramuros.interop.jobs import scan_lab_folder
from intramuros.interop.labs.hl7v2 import parse_oru
from intramuros.interop.labs.hprim import parse_hprim
from intramuros.interop.labs.mllp import END, START, MLLPHandler, MLLPServer
from intramuros.interop.labs.parsed import LabParseError
from intramuros.interop.labs.services import DuplicateMessage, decode, lab_message_file, lab_message_receive
from intramuros.interop.models import LabMessage, LabResult

SAMPLES = Path(__file__).parent / "samples"


def _sample(name):
    return decode((SAMPLES / name).read_bytes())


def test_hl7_quirks_escapes_repetitions_and_continued_comments():
    parsed = parse_oru(_sample("oru_martin.hl7"))
    assert (parsed.last_name, parsed.first_name, parsed.sex) == ("MARTIN", "JEANNE", "F")
    assert parsed.nir == "275037510812303"
    glucose, hb, chol, comment = parsed.results
    assert (glucose.code, glucose.code_system, glucose.value, glucose.abnormal_flag) == ("2345-7", "LN", "6.8", "H")
    assert glucose.observed_at.startswith("2026-11-27T08:30")
    assert hb.value == "13,2" and hb.observed_at.startswith("2026-11-27T08:30")  # OBR date when OBX has none
    assert chol.value == "<0.5"
    assert "&" in comment.value and "|" in comment.value and "\n" in comment.value
    assert comment.value.endswith("Seconde ligne du commentaire")


@pytest.mark.parametrize("name, reason", [("oru_missing_pid.hl7", "no PID"), ("adt_not_result.hl7", "ORU")])
def test_unusable_hl7_is_explained(name, reason):
    with pytest.raises(LabParseError, match=reason):
        parse_oru(_sample(name))


def test_hprim_latin1_with_continuation_and_comment():
    parsed = parse_hprim(_sample("hprim_durand.hpr"))
    assert (parsed.last_name, parsed.first_name, parsed.laboratory) == ("DURAND", "PAUL", "LABO DU PARC")
    assert parsed.nir == "1190675108543"
    assert [r.label for r in parsed.results] == ["Hémoglobine", "Leucocytes"]
    assert parsed.results[1].abnormal_flag == "H" and "Résultat contrôlé" in parsed.results[1].value


@pytest.mark.django_db
def test_received_message_proposes_the_patient_and_files_on_confirmation(dr_alice, jeanne_martin):
    message = lab_message_receive(raw=_sample("oru_martin.hl7"), source="upload")
    assert message.status == "to_match" and message.proposed_patient == jeanne_martin
    lab_message_file(actor=dr_alice, message=message, patient=jeanne_martin)
    results = LabResult.objects.filter(patient=jeanne_martin)
    assert results.count() == 4
    glucose = results.get(code="2345-7")
    assert str(glucose.value_number) == "6.8000" and glucose.is_abnormal
    assert results.get(code="718-7").value_number is not None  # "13,2" read with a decimal comma
    assert results.get(code="2093-3").value_number is None  # "<0.5" is not a number
    assert AuditEvent.objects.filter(action="interop.lab.filed", patient_id=jeanne_martin.pk).exists()


@pytest.mark.django_db
def test_duplicate_and_broken_messages_are_kept_with_their_reason(dr_alice):
    lab_message_receive(raw=_sample("oru_martin.hl7"), source="upload")
    with pytest.raises(DuplicateMessage):
        lab_message_receive(raw=_sample("oru_martin.hl7"), source="upload")
    broken = lab_message_receive(raw="garbage that is no message", source="upload")
    assert broken.status == "rejected" and "unknown format" in broken.reason and broken.raw
    assert LabMessage.objects.count() == 2


@pytest.mark.django_db
def test_unknown_patient_waits_without_proposal(dr_alice):
    message = lab_message_receive(raw=_sample("hprim_durand.hpr"), source="upload")
    assert message.status == "to_match" and message.proposed_patient is None


@pytest.mark.django_db(transaction=True)
def test_mllp_listener_acknowledges_and_refuses(jeanne_martin):
    server = MLLPServer(("127.0.0.1", 0), MLLPHandler)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(server.server_address, timeout=10) as conn:
            conn.sendall(START + _sample("oru_martin.hl7").encode("latin-1") + END)
            answer = conn.recv(4096)
            assert b"MSA|AA|LAB20261128-001" in answer
            conn.sendall(START + _sample("oru_missing_pid.hl7").encode() + END)
            assert b"MSA|AE|LAB-NOPID" in conn.recv(4096)
    finally:
        server.shutdown()
        server.server_close()
    assert LabMessage.objects.filter(source="mllp").count() == 2


@pytest.mark.django_db
def test_drop_folder_files_are_stored_and_moved_aside(tmp_path, jeanne_martin):
    (tmp_path / "result1.hl7").write_bytes((SAMPLES / "oru_martin.hl7").read_bytes())
    (tmp_path / "result2.hpr").write_bytes((SAMPLES / "hprim_durand.hpr").read_bytes())
    assert scan_lab_folder(tmp_path) == 2
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["result1.hl7", "result2.hpr"]
    assert LabMessage.objects.count() == 2


@pytest.mark.django_db
def test_inbox_and_patient_table_for_practitioners_only(client, dr_alice, bob_secretary, jeanne_martin):
    message = lab_message_receive(raw=_sample("oru_martin.hl7"), source="upload")
    client.force_login(dr_alice)
    assert "MARTIN JEANNE" in client.get(reverse("interop:lab_inbox")).content.decode()
    response = client.post(reverse("interop:lab_message", args=[message.pk]), {"patient": jeanne_martin.pk})
    assert response.status_code == 302
    table = client.get(reverse("interop:patient_labs", args=[jeanne_martin.pk]))
    assert "Glucose à jeun" in table.content.decode()
    client.force_login(bob_secretary)
    assert client.get(reverse("interop:lab_inbox")).status_code == 403
    assert client.get(reverse("interop:patient_labs", args=[jeanne_martin.pk])).status_code == 403
