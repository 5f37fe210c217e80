"""Hostile values, and reading the fields of a page's forms, shared by the hostile-input tests."""

from __future__ import annotations

from html.parser import HTMLParser

from django.apps import apps
from django.db import models
from hypothesis import strategies as st

MARKER = "<script>alert('xss')</script>"
NASTY = [
    MARKER, "\"><img src=x onerror=alert(1)>", "'; DROP TABLE patients_patient; --", "1 OR 1=1", "' OR ''='",
    "\x00", "a\x00b", "\x1b[31mred", "\r\nSet-Cookie: x=1", "../../../../etc/passwd", "{{ 7*7 }}", "{% debug %}",
    "%s%s%n", "\u202egnp.exe", "😀" * 30, "a" * 5000, "9" * 40, "-1", "0", "1e400", "NaN", "null", "[]", "{}",
    "2026-13-45", "31/02/2026", "", " ", "\t", "ﬀ", "Ǆ", "İ", "<svg/onload=alert(1)>", "javascript:alert(1)",
]
hostile = st.one_of(st.sampled_from(NASTY), st.text(max_size=200), st.integers().map(str),
                    st.binary(max_size=50).map(lambda b: b.decode("latin-1")))


class FormFields(HTMLParser):
    """Names of the fields of the page's POST forms (the logout and language forms aside)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or ""
            self._in_form = ((attrs.get("method") or "get").lower() == "post"
                             and "logout" not in action and "setlang" not in action)
        elif self._in_form and tag in ("input", "textarea", "select") and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            self.fields.setdefault(attrs["name"], (attrs.get("value") or "") if kind == "hidden" else "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def form_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def reflected(response) -> bool:
    """Is the marker script sent back unescaped in an HTML page?"""
    if "html" not in response.get("Content-Type", ""):
        return False
    return MARKER in response.content.decode(errors="replace")


def stored_breakage() -> list[str]:
    """Texts stored by Intramuros' models that overflow their column or hold a NUL character."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("intramuros."):
            continue
        text_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        if not text_fields:
            continue
        manager = getattr(model, "all_objects", model._default_manager)
        for row in manager.values_list(*[f.attname for f in text_fields])[:500]:
            for field, value in zip(text_fields, row, strict=True):
                if value is None:
                    continue
                if "\x00" in value:
                    found.append(f"{model.__name__}.{field.name} stored a NUL character")
                if isinstance(field, models.CharField) and field.max_length and len(value) > field.max_length:
                    found.append(f"{model.__name__}.{field.name} overflows its column")
    return found
