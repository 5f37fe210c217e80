"""URLs of the navigation bar and the patient-file tabs, reversed once per process instead of per page.

A page reversed two dozen of them on every request. The result depends only on the URL configuration
and the script prefix, which make the cache key: the request's URLconf when one is set, else the settings'
ROOT_URLCONF (which tests switch with override_settings).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

_urls: dict[tuple, str | None] = {}
# A patient id no practice reaches, replaced by the real one: the pattern is `<int:patient_id>`.
_PLACEHOLDER = 9_876_543_210


def _urlconf() -> str:
    return get_urlconf() or settings.ROOT_URLCONF


def url(name: str) -> str | None:
    """reverse(name), or None when the URL does not exist."""
    key = (_urlconf(), get_script_prefix(), name)
    if key not in _urls:
        try:
            _urls[key] = reverse(name)
        except NoReverseMatch:
            _urls[key] = None
    return _urls[key]


def patient_url(name: str, patient_id: int) -> str | None:
    """reverse(name, kwargs={"patient_id": patient_id}), or None when the URL does not exist."""
    key = (_urlconf(), get_script_prefix(), name, "patient_id")
    if key not in _urls:
        try:
            _urls[key] = reverse(name, kwargs={"patient_id": _PLACEHOLDER})
        except NoReverseMatch:
            _urls[key] = None
    template = _urls[key]
    return None if template is None else template.replace(str(_PLACEHOLDER), str(int(patient_id)), 1)
