from django import template

register = template.Library()


@register.simple_tag
def active_tablets():
    """Paired, not revoked tablets, for the "send for signature" choice."""
    from intramuros.messaging.models import Tablet

    return list(Tablet.objects.filter(revoked_at__isnull=True, paired_at__isnull=False).order_by("name"))
