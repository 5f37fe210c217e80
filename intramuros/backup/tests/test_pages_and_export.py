"""The backup page, the home page's warning, and a patient's complete export."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from intramuros.audit.models import AuditEvent
from intramuros.backup.models import BackupRun


def test_backup_page_is_for_backup_managers_only(client, admin_eve, bob_secretary):
    client.force_login(bob_secretary)
    assert client.get(reverse("backup:index")).status_code == 403
    client.force_login(admin_eve)
    response = client.get(reverse("backup:index"))
    assert response.status_code == 200 and "INTRAMUROS_BACKUP_DIRS" in response.content.decode()


def test_home_turns_red_without_a_recent_verified_backup(client, admin_eve):
    client.force_login(admin_eve)
    page = client.get(reverse("core:home")).content.decode()
    assert "badge danger" in page and 'role="alert"' in page
    BackupRun.objects.create(kind="scheduled", destination="/mnt/usb", archive_name="a.backup.age", written=True,
                             verification="pending", started_at=timezone.now())
    assert 'role="alert"' in client.get(reverse("core:home")).content.decode()  # never verified: not counted
    BackupRun.objects.create(kind="scheduled", destination="/mnt/usb", archive_name="b.backup.age", written=True,
                             verification="ok", started_at=timezone.now() - timezone.timedelta(hours=3))
    page = client.get(reverse("core:home")).content.decode()
    assert "badge ok" in page and 'role="alert"' not in page and "/mnt/usb/b.backup.age" in page


@pytest.mark.django_db(transaction=True)
def test_back_up_now_writes_a_verified_backup(client, admin_eve, destinations, practice_identity, monkeypatch):
    monkeypatch.setenv("INTRAMUROS_BACKUP_DIRS", ",".join(map(str, destinations)))
    client.force_login(admin_eve)
    response = client.post(reverse("backup:run"))
    assert response.status_code == 302
    runs = BackupRun.objects.all()
    assert runs.count() == 2 and all(r.is_verified and r.requested_by == admin_eve for r in runs)
    assert AuditEvent.objects.filter(action="backup.archive.created").exists()
    page = client.get(reverse("backup:index")).content.decode()
    assert str(destinations[0]) in page


def test_back_up_now_without_destination_says_what_to_do(client, admin_eve, monkeypatch):
    monkeypatch.delenv("INTRAMUROS_BACKUP_DIRS", raising=False)
    client.force_login(admin_eve)
    response = client.post(reverse("backup:run"), follow=True)
    assert "INTRAMUROS_BACKUP_DIRS" in response.content.decode()
    assert not BackupRun.objects.exists()


def test_patient_export_page_gives_pdf_json_and_is_audited(alice_client, jeanne_martin):
    url = reverse("backup:patient_export", kwargs={"patient_id": jeanne_martin.pk})
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(url)
    assert response["Content-Type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(response.content))
    names = files.namelist()
    assert f"patient-{jeanne_martin.pk}.pdf" in names
    assert files.read(f"patient-{jeanne_martin.pk}.pdf").startswith(b"%PDF-")
    data = json.loads(files.read(f"patient-{jeanne_martin.pk}.json"))
    identity = data["sections"][0]["rows"][0]
    assert "Martin" in json.dumps(identity, ensure_ascii=False) and data["patient_id"] == jeanne_martin.pk
    assert AuditEvent.objects.filter(action="backup.patient.exported", patient_id=jeanne_martin.pk).exists()


def test_secretary_cannot_export_a_complete_file(bob_client, jeanne_martin):
    url = reverse("backup:patient_export", kwargs={"patient_id": jeanne_martin.pk})
    assert bob_client.post(url).status_code == 403
    assert not AuditEvent.objects.filter(action="backup.patient.exported").exists()


def test_export_patient_command_writes_the_files(jeanne_martin, tmp_path):
    call_command("export-patient", jeanne_martin.pk, tmp_path / "out")
    assert (tmp_path / "out" / f"patient-{jeanne_martin.pk}.pdf").read_bytes().startswith(b"%PDF-")
    assert json.loads((tmp_path / "out" / f"patient-{jeanne_martin.pk}.json").read_text())["patient_id"]
    event = AuditEvent.objects.get(action="backup.patient.exported")
    assert event.actor_label == "command line"


def test_export_of_an_unknown_patient_is_a_sentence(db, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no patient number 999999"):
        call_command("export-patient", 999999, tmp_path)


@pytest.mark.django_db(transaction=True)
def test_scheduled_job_backs_up_once_a_day(jeanne_martin, destinations, practice_identity, monkeypatch):
    from intramuros.backup import services

    monkeypatch.setenv("INTRAMUROS_BACKUP_DIRS", ",".join(map(str, destinations)))
    first = services.backup_scheduled()
    assert first is not None and first.verified
    assert services.backup_scheduled() is None  # a verified backup is less than a day old
    later = timezone.now() + timezone.timedelta(hours=25)
    assert services.backup_scheduled(now=later) is not None
    assert BackupRun.objects.filter(kind="scheduled", verification="ok").count() == 4
