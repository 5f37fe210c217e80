"""Django's per-request state held in thread-locals: each thread keeps its own language, time zone, prefix."""

import threading
import zoneinfo

from asgiref.local import Local
from django.apps import apps
from django.conf import settings
from django.urls import base as urls_base
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation
from django.utils.translation import trans_real

from intramuros.core import threadlocals


def _in_thread(fn):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(fn()))
    thread.start()
    thread.join()
    return seen[0]


def test_installed_when_the_application_starts():
    # Django's test machinery puts asgiref Locals back when a test changes the language settings: start as
    # Django does, then what the core application does when it is ready.
    saved = [(module, name, getattr(module, name)) for module, name in threadlocals._slots()]
    try:
        for module, name, _old in saved:
            setattr(module, name, Local())
        apps.get_app_config("core").ready()
        for module, name, _old in saved:
            assert isinstance(getattr(module, name), threading.local), (module.__name__, name)
    finally:
        for module, name, old in saved:
            setattr(module, name, old)


def test_a_language_activated_in_one_thread_is_not_seen_in_another():
    mine, theirs = ("en", "fr") if settings.LANGUAGE_CODE == "fr" else ("fr", "en")
    with translation.override(mine):
        def other():
            before = translation.get_language()
            translation.activate(theirs)
            return before, translation.get_language()

        assert _in_thread(other) == (settings.LANGUAGE_CODE, theirs)  # the default there, then its own
        assert translation.get_language() == mine  # this thread's, untouched by the other's


def test_time_zone_and_script_prefix_are_per_thread():
    cayenne = zoneinfo.ZoneInfo("America/Cayenne")
    timezone.activate(cayenne)
    set_script_prefix("/cabinet/")
    try:
        assert _in_thread(lambda: (str(timezone.get_current_timezone()), get_script_prefix())) == (
            str(timezone.get_default_timezone()), "/")
        assert timezone.get_current_timezone() is cayenne and get_script_prefix() == "/cabinet/"
    finally:
        timezone.deactivate()
        set_script_prefix("/")


def test_install_keeps_what_the_current_thread_had_set():
    saved = trans_real._active, urls_base._prefixes
    trans_real._active, urls_base._prefixes = Local(), Local()
    try:
        translation.activate("fr")
        set_script_prefix("/cabinet/")
        threadlocals.install()
        assert isinstance(trans_real._active, threading.local)
        assert translation.get_language() == "fr" and get_script_prefix() == "/cabinet/"
    finally:
        trans_real._active, urls_base._prefixes = saved
        set_script_prefix("/")
