import datetime

import pytest

from intramuros.audit.models import AuditEvent
from intramuros.documents import services
from intramuros.documents.dropfolder import scan_drop_folder
from intramuros.documents.models import InboxItem
from intramuros.documents.storage import read_bytes
from intramuros.documents.tests import samples

pytestmark = pytest.mark.django_db


def test_new_scans_move_into_the_encrypted_inbox(tmp_path):
    data = samples.png()
    (tmp_path / "scan-001.png").write_bytes(data)
    (tmp_path / "scan-002.pdf").write_bytes(samples.small_pdf())
    (tmp_path / "still-writing.pdf.part").write_bytes(b"%PDF-1.7 partial")
    result = scan_drop_folder(folder=tmp_path, min_age=0)
    assert sorted(result.received) == ["scan-001.png", "scan-002.pdf"]
    assert not (tmp_path / "scan-001.png").exists()  # removed once the encrypted copy is durable
    assert (tmp_path / "still-writing.pdf.part").exists()  # left for the next round
    item = InboxItem.objects.get(original_name="scan-001.png")
    assert read_bytes(item.file) == data
    assert AuditEvent.objects.filter(action="documents.inbox.received").count() == 2


def test_fresh_files_wait_for_the_next_round(tmp_path):
    (tmp_path / "scan.png").write_bytes(samples.png())
    assert scan_drop_folder(folder=tmp_path, min_age=3600).received == []
    assert (tmp_path / "scan.png").exists()


def test_bad_file_is_set_aside_with_the_reason_never_deleted(tmp_path):
    (tmp_path / "virus.pdf").write_bytes(b"MZ this is not a pdf")
    (tmp_path / "empty.jpg").write_bytes(b"")
    result = scan_drop_folder(folder=tmp_path, min_age=0)
    assert {name for name, _ in result.refused} == {"virus.pdf", "empty.jpg"}
    assert (tmp_path / "refused" / "virus.pdf").read_bytes() == b"MZ this is not a pdf"
    assert "not a PDF" in (tmp_path / "refused" / "virus.pdf.txt").read_text()
    assert not InboxItem.objects.exists()


def test_original_is_kept_when_storing_fails(tmp_path, monkeypatch):
    (tmp_path / "scan.png").write_bytes(samples.png())

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "inbox_receive", broken)
    assert scan_drop_folder(folder=tmp_path, min_age=0).received == []
    assert (tmp_path / "scan.png").exists()


def test_filing_attaches_the_scan_to_the_patient(dr_alice, jeanne_martin, tmp_path):
    (tmp_path / "courrier.png").write_bytes(samples.png())
    scan_drop_folder(folder=tmp_path, min_age=0)
    item = InboxItem.objects.get()
    doc = services.inbox_file(actor=dr_alice, item=item, patient=jeanne_martin, title="Courrier cardiologue",
                              document_date=datetime.date(2026, 1, 5), category="letter")
    assert doc.patient == jeanne_martin and doc.file == item.file
    item.refresh_from_db()
    assert item.filed_as == doc
    with pytest.raises(Exception, match="already been filed"):
        services.inbox_file(actor=dr_alice, item=item, patient=jeanne_martin, title="again",
                            document_date=datetime.date(2026, 1, 5), category="letter")


def test_periodic_job_is_registered():
    from intramuros.core.scheduler import discover

    assert "documents.drop_folder" in discover()


def test_command_scans_the_configured_folder(tmp_path, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setenv("INTRAMUROS_DROP_DIR", str(tmp_path))
    (tmp_path / "scan.png").write_bytes(samples.png())
    out = StringIO()
    call_command("scan_drop_folder", "--min-age", "0", stdout=out)
    assert "1 received" in out.getvalue()
    assert InboxItem.objects.count() == 1
