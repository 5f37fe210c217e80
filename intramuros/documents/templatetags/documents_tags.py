from django import template

register = template.Library()


@register.simple_tag
def unfiled_count() -> int:
    """How many scans of the drop folder wait to be filed (no patient data: a count only)."""
    from intramuros.documents.selectors import unfiled_inbox

    return unfiled_inbox().count()
