"""Periodic jobs run by `intramuros worker` (daily backup, reminders, drop-folder scan...).

Apps register a job with `periodic(name, every_seconds)` on a function taking no argument,
in their `jobs.py` module, which the worker imports.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps

log = logging.getLogger("intramuros.scheduler")


@dataclass
class Job:
    name: str
    every: float
    func: Callable[[], object]
    next_run: float = field(default=0.0)


JOBS: dict[str, Job] = {}


def periodic(name: str, every_seconds: float):
    def decorator(func):
        JOBS[name] = Job(name, every_seconds, func)
        return func

    return decorator


def discover() -> dict[str, Job]:
    for config in apps.get_app_configs():
        if config.name.startswith("intramuros."):
            try:
                importlib.import_module(f"{config.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.jobs":
                    raise
    return JOBS


def run_due(now: float | None = None) -> list[str]:
    """Run every job whose time has come; one failing job does not stop the others."""
    from django.db import close_old_connections

    now = time.monotonic() if now is None else now
    ran = []
    for job in JOBS.values():
        if job.next_run <= now:
            job.next_run = now + job.every
            close_old_connections()
            try:
                job.func()
                ran.append(job.name)
            except Exception:
                log.exception("periodic job %s failed", job.name)
    return ran
