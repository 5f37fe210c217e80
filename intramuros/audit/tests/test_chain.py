"""The audit log is append-only and tamper-evident: chain, anchors, and `intramuros audit verify`."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from intramuros import audit
from intramuros.audit.models import AuditAnchor, AuditEvent, AuditLogIsAppendOnly
from intramuros.audit.services import audit_verify, compute_hash

pytestmark = pytest.mark.django_db


def _fill(n, actor=None):
    return [audit.record(actor=actor, action="test.thing.viewed", patient=i, note=f"n{i}") for i in range(n)]


def _sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)


def test_intact_log_verifies(dr_alice):
    _fill(5, dr_alice)
    report = audit_verify()
    assert report.ok and report.checked == 5


def test_orm_refuses_to_change_or_delete_rows(dr_alice):
    event = _fill(1, dr_alice)[0]
    event.action = "test.thing.hidden"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.viewed"


def test_altered_row_is_named(dr_alice):
    events = _fill(6, dr_alice)
    _sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["test.thing.nothing", events[3].seq])
    report = audit_verify()
    assert not report.ok and report.broken_at == events[3].seq
    assert "altered" in report.reason


def test_removed_row_in_the_middle_is_named(dr_alice):
    events = _fill(6, dr_alice)
    _sql("DELETE FROM audit_auditevent WHERE seq = %s", [events[2].seq])
    report = audit_verify()
    assert not report.ok and report.broken_at == events[2].seq and "missing" in report.reason


def test_inserted_row_is_named(dr_alice):
    events = _fill(4, dr_alice)
    # Make room and slip a forged row in, with a self-consistent hash: the next row no longer follows it.
    for e in reversed(events[2:]):
        _sql("UPDATE audit_auditevent SET seq = seq + 1 WHERE seq = %s", [e.seq])
    forged = AuditEvent(seq=events[2].seq, at=events[1].at, actor=None, actor_label="x", action="test.forged",
                        prev_hash=events[1].hash, detail={})
    forged.hash = compute_hash(forged)
    forged.save()
    report = audit_verify()
    assert not report.ok and report.broken_at == events[2].seq + 1
    assert "does not follow" in report.reason


def test_anchor_every_n_rows_written_to_table_and_file(dr_alice, settings, tmp_path,
                                                       django_capture_on_commit_callbacks):
    settings.AUDIT_ANCHOR_EVERY = 3
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.log")
    with django_capture_on_commit_callbacks(execute=True):
        _fill(7, dr_alice)
    assert list(AuditAnchor.objects.values_list("seq", flat=True)) == [3, 6]
    lines = [json.loads(line) for line in (tmp_path / "anchors.log").read_text().splitlines()]
    assert [line["seq"] for line in lines] == [3, 6]
    report = audit_verify()
    assert report.ok and report.anchors_checked == 4


def test_deleted_tail_is_detected_through_the_anchor_file(dr_alice, settings, tmp_path,
                                                          django_capture_on_commit_callbacks):
    settings.AUDIT_ANCHOR_EVERY = 3
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.log")
    with django_capture_on_commit_callbacks(execute=True):
        _fill(7, dr_alice)
    # An insider removes the last rows, and the anchor rows that would betray it.
    _sql("DELETE FROM audit_auditevent WHERE seq >= 5")
    _sql("DELETE FROM audit_auditanchor WHERE seq >= 5")
    report = audit_verify()
    assert not report.ok
    assert report.broken_at == 5 and "removed" in report.reason and "anchor file" in report.reason


def test_rewritten_chain_is_detected_by_anchors(dr_alice, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.AUDIT_ANCHOR_EVERY = 4
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.log")
    with django_capture_on_commit_callbacks(execute=True):
        _fill(5, dr_alice)
    # Alter row 2 and recompute every hash after it: the chain alone looks fine again.
    prev = AuditEvent.objects.get(seq=1).hash
    for event in AuditEvent.objects.filter(seq__gte=2).order_by("seq"):
        if event.seq == 2:
            event.action = "test.thing.hidden"
        event.prev_hash = prev
        new_hash = compute_hash(event)
        _sql("UPDATE audit_auditevent SET action=%s, prev_hash=%s, hash=%s WHERE seq=%s",
             [event.action, prev, new_hash, event.seq])
        prev = new_hash
    _sql("DELETE FROM audit_auditanchor")
    report = audit_verify()
    assert not report.ok and report.broken_at == 4 and "rewritten" in report.reason


def test_verify_command_exit_codes(dr_alice, capsys):
    events = _fill(3, dr_alice)
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
    _sql("UPDATE audit_auditevent SET actor_label = %s WHERE seq = %s", ["mallory", events[1].seq])
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify")
    assert info.value.returncode == 1
    assert f"row {events[1].seq} was altered" in capsys.readouterr().err


def test_cli_returns_non_zero_on_tampering(dr_alice, capsys):
    from intramuros.cli import main

    events = _fill(2, dr_alice)
    assert main(["audit", "verify"]) == 0
    _sql("UPDATE audit_auditevent SET patient_id = %s WHERE seq = %s", [999, events[0].seq])
    assert main(["audit", "verify"]) == 1


def test_daily_anchor_job(dr_alice, settings, tmp_path, django_capture_on_commit_callbacks):
    from intramuros.audit.jobs import daily_anchor

    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.log")
    _fill(2, dr_alice)
    with django_capture_on_commit_callbacks(execute=True):
        daily_anchor()
        daily_anchor()  # nothing new: no second anchor
    assert list(AuditAnchor.objects.values_list("seq", "reason")) == [(2, "daily")]
    assert audit_verify().ok


def test_daily_check_flags_a_broken_chain(dr_alice):
    from intramuros.audit.jobs import daily_verify

    events = _fill(3, dr_alice)
    assert daily_verify()
    _sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["test.hidden", events[0].seq])
    assert not daily_verify()
    alarm = AuditEvent.objects.get(action="audit.chain.broken")
    assert alarm.flagged and alarm.detail["row"] == events[0].seq
