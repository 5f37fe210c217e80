"""Retention keeps 7 daily, 12 monthly and one yearly archive; only verified archives are counted."""

import datetime

import pytest

from intramuros.audit.models import AuditEvent
from intramuros.backup import retention, services
from intramuros.backup.models import BackupRun

UTC = datetime.UTC


def test_keeps_seven_days_twelve_months_and_one_per_year():
    start = datetime.datetime(2024, 1, 1, 2, 0, tzinfo=UTC)
    times = [start + datetime.timedelta(days=d) for d in range(3 * 365)]  # one backup a day for three years
    kept = retention.keep(times)
    newest = max(times)
    days = {t.date() for t in kept if newest - t < datetime.timedelta(days=7)}
    assert len(days) == 7
    months = {(t.year, t.month) for t in kept}
    assert len(months) >= 12
    assert {t.year for t in kept} == {2024, 2025, 2026}
    assert len(kept) <= 7 + 12 + 3
    assert newest in kept


def test_two_backups_the_same_day_keep_only_the_newest():
    a = datetime.datetime(2026, 5, 1, 1, tzinfo=UTC)
    b = a + datetime.timedelta(hours=5)
    assert retention.keep([a, b]) == {b}


@pytest.mark.django_db
def test_prune_removes_only_verified_archives_out_of_retention(tmp_path):
    names = {}
    for days_ago in range(10):
        when = datetime.datetime(2026, 11, 28, 2, tzinfo=UTC) - datetime.timedelta(days=days_ago)
        name = f"intramuros-{when:%Y%m%dT%H%M%SZ}.backup.age"
        (tmp_path / name).write_bytes(b"x")
        names[days_ago] = name
        BackupRun.objects.create(kind="scheduled", destination=str(tmp_path), archive_name=name, written=True,
                                 verification="ok" if days_ago != 1 else "failed")
    (tmp_path / "intramuros-20200101T000000Z.backup.age").write_bytes(b"someone's own copy")
    removed = {p.name for p in services.backup_prune(directory=tmp_path)}
    # 9 verified: the newest of 7 days kept, plus the oldest one as the month's... and the year's newest.
    assert names[1] in removed  # failed its verification, and a newer verified one exists
    assert names[0] not in removed and names[2] not in removed
    assert "intramuros-20200101T000000Z.backup.age" not in removed
    assert all((tmp_path / n).exists() for n in names.values() if n not in removed)
    assert len(removed) >= 2
    event = AuditEvent.objects.get(action="backup.archive.pruned")
    assert event.detail["directory"] == str(tmp_path) and set(event.detail["removed"]) == removed
    assert services.backup_prune(directory=tmp_path) == []  # nothing more to remove: nothing more to audit
    assert AuditEvent.objects.filter(action="backup.archive.pruned").count() == 1
