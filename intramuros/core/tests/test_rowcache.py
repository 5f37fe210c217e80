"""The per-process caches: settings rows (reused while nothing changes, dropped by any save) and URLs."""

import os
import tempfile

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse

from intramuros.audit.models import SecurityPolicy
from intramuros.core import paths, rowcache, urlcache

pytestmark = pytest.mark.django_db


def test_the_row_is_read_once_then_served_from_the_cache(practice):
    with CaptureQueriesContext(connection) as first:
        assert type(practice).cached().pk == practice.pk
    with CaptureQueriesContext(connection) as second:
        assert type(practice).cached().pk == practice.pk
    assert len(first) == 1 and len(second) == 0


def test_a_save_in_this_process_is_seen_by_the_next_read(practice):
    assert not type(practice).cached().require_2fa
    practice.require_2fa = True
    practice.save()
    assert type(practice).cached().require_2fa


def test_a_lockdown_saved_by_another_process_applies_to_the_next_read():
    SecurityPolicy.objects.get_or_create(pk=1)
    assert not SecurityPolicy.cached().lockdown
    SecurityPolicy.objects.filter(pk=1).update(lockdown=True)  # as another process would: no signal here
    assert not SecurityPolicy.cached().lockdown  # this process has not been told yet
    # The other process's save replaced the stamp file: that is all this process sees of it.
    stamp = rowcache._stamp_path()
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(stamp))
    os.close(fd)
    os.replace(tmp, stamp)
    assert SecurityPolicy.cached().lockdown


def test_a_copy_is_never_older_than_max_age(monkeypatch):
    SecurityPolicy.objects.get_or_create(pk=1)
    assert not SecurityPolicy.cached().forbid_remote
    SecurityPolicy.objects.filter(pk=1).update(forbid_remote=True)
    clock = [1000.0]
    monkeypatch.setattr(rowcache.time, "monotonic", lambda: clock[0])
    rowcache.clear()
    assert SecurityPolicy.cached().forbid_remote
    SecurityPolicy.objects.filter(pk=1).update(forbid_remote=False)
    clock[0] += rowcache.MAX_AGE / 2
    assert SecurityPolicy.cached().forbid_remote
    clock[0] += rowcache.MAX_AGE
    assert not SecurityPolicy.cached().forbid_remote


def test_a_row_may_ask_for_a_longer_bound(monkeypatch):
    clock, loads = [1000.0], []
    monkeypatch.setattr(rowcache.time, "monotonic", lambda: clock[0])
    rowcache.clear()
    for _ in range(3):
        assert rowcache.get("letterhead:test", lambda: loads.append(1) or len(loads), max_age=60) == 1
        clock[0] += 3 * rowcache.MAX_AGE  # well past the default bound, within the row's own
    clock[0] += 60
    assert rowcache.get("letterhead:test", lambda: loads.append(1) or len(loads), max_age=60) == 2
    rowcache.changed()  # a save, in this process or another, still applies at once
    assert rowcache.get("letterhead:test", lambda: loads.append(1) or len(loads), max_age=60) == 3


def test_the_stamp_follows_the_data_directory(monkeypatch, tmp_path):
    first = rowcache._stamp_path()
    assert first == str(paths.data_dir() / "run" / "settings.stamp")
    monkeypatch.setenv("INTRAMUROS_DATA_DIR", str(tmp_path / "other"))
    assert rowcache._stamp_path() == str(tmp_path.resolve() / "other" / "run" / "settings.stamp")
    monkeypatch.setenv("INTRAMUROS_DATA_DIR", "relative")  # resolved against the working directory
    for cwd in (tmp_path / "a", tmp_path / "b"):
        cwd.mkdir()
        monkeypatch.chdir(cwd)
        assert rowcache._stamp_path() == str(cwd.resolve() / "relative" / "run" / "settings.stamp")
    monkeypatch.undo()
    assert rowcache._stamp_path() == first


def test_cached_urls_are_those_reverse_gives():
    assert urlcache.url("patients:index") == reverse("patients:index")
    assert urlcache.url("no-such:page") is None
    for pk in (1, 42, 98765):
        assert urlcache.patient_url("clinical:summary", pk) == reverse("clinical:summary", kwargs={"patient_id": pk})
    assert urlcache.patient_url("no-such:page", 1) is None


def _elsewhere(request, patient_id=None):
    raise AssertionError("never requested: only reversed")


# A URL configuration of this module's own, where the same names lead elsewhere.
urlpatterns = [path("elsewhere/", _elsewhere, name="home"),
               path("elsewhere/<int:patient_id>/", _elsewhere, name="summary")]


def test_cached_urls_follow_a_url_configuration_swapped_by_the_settings():
    assert urlcache.url("core:home") == reverse("core:home")  # cached under the practice's configuration
    with override_settings(ROOT_URLCONF=__name__):
        assert urlcache.url("home") == "/elsewhere/"
        assert urlcache.url("core:home") is None
        assert urlcache.patient_url("summary", 7) == "/elsewhere/7/"
    assert urlcache.url("core:home") == reverse("core:home")
    assert urlcache.url("home") is None
