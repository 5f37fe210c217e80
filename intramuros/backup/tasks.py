"""Background tasks of the backup app (run by `intramuros worker`)."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger("intramuros.backup")


@task()
def run_backup_now(user_id: int | None = None) -> str:
    from intramuros.accounts.models import User
    from intramuros.backup.models import BackupRun
    from intramuros.backup.services import (
        BackupError,
        backup_create,
        backup_prune,
        configured_destinations,
        lower_priority,
    )

    if not _in_web_server():
        lower_priority()
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        result = backup_create(destinations=configured_destinations(), kind=BackupRun.Kind.MANUAL, actor=actor)
    except BackupError as exc:
        log.error("backup requested from the page failed: %s", exc)
        return str(exc)
    for directory in result.written:
        backup_prune(directory=directory, actor=actor)
    return result.name


def _in_web_server() -> bool:
    # With the immediate backend (tests) a task runs inside the requesting process: leave its priority alone.
    from django.conf import settings

    return settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")
