from django import template

from intramuros.backup.selectors import backup_status as _backup_status

register = template.Library()


@register.simple_tag
def backup_status():
    """The last verified backup, for the home page block (HOME_BLOCKS include templates without a view)."""
    return _backup_status()
