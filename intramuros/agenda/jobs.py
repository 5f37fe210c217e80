"""Periodic jobs of the agenda, run by `intramuros worker`."""

from intramuros.agenda.reminders import queue_reminders
from intramuros.core.scheduler import periodic


@periodic("agenda.reminders", 30 * 60)
def reminders_for_tomorrow() -> int:
    """Every half hour: queue the reminders of tomorrow's appointments not sent yet (does nothing when off)."""
    return queue_reminders()
