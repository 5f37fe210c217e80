"""The daily backup: checked every hour, run when the last verified backup is older than a day."""

from intramuros.core.scheduler import periodic


@periodic("backup.daily", 3600)
def daily_backup():
    from intramuros.backup.services import backup_scheduled, lower_priority

    lower_priority()  # the worker process: background work yields to the web server
    return backup_scheduled()
