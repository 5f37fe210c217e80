"""The patient timeline gathers entries from every app that has a `timeline.py`.

An app contributes with a module `intramuros/<app>/timeline.py` defining
`entries(*, patient, user) -> Iterable[TimelineEntry]`; it must return only what `user` may see.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "consultation", "prescription", "document", "letter", "lab", "payment", "appointment", ...
    title: str
    url: str = ""
    detail: str = ""
    author: str = ""


def _providers():
    for config in apps.get_app_configs():
        if config.name.startswith("intramuros.") and config.name != "intramuros.core":
            try:
                yield importlib.import_module(f"{config.name}.timeline")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.timeline":
                    raise


def timeline_for(*, patient, user, kinds: Iterable[str] | None = None, since=None, until=None,
                 limit: int = 200) -> list[TimelineEntry]:
    wanted = set(kinds) if kinds else None
    collected: list[TimelineEntry] = []
    for provider in _providers():
        for entry in provider.entries(patient=patient, user=user):
            if wanted and entry.kind not in wanted:
                continue
            if since and entry.at < since:
                continue
            if until and entry.at > until:
                continue
            collected.append(entry)
    collected.sort(key=lambda e: e.at, reverse=True)
    return collected[:limit]
