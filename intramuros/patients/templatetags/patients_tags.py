"""Template tags of the patient file shell: alerts banner and tabs."""

from __future__ import annotations

import datetime

from django import template
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from intramuros.accounts.access import has_capability
from intramuros.core.navigation import links_html
from intramuros.core.prepared import Prepared
from intramuros.patients.models import PatientTag
from intramuros.patients.tabs import tabs_for

register = template.Library()


@register.simple_tag(takes_context=True)
def patient_alerts(context, patient):
    """The clinical alerts banner (allergies...), shown only to users who may see clinical content.

    The clinical app owns the banner template; until it exists, nothing is shown. Rendered without the
    request: it needs none, and a request would run every context processor (the navigation, the
    capabilities) a second time for this one block.
    """
    user = context.get("user")
    if patient is None or user is None or not has_capability(user, "clinical.view"):
        return ""
    try:
        banner = get_template("clinical/alerts_banner.html")
    except TemplateDoesNotExist:
        return ""
    return banner.render({"patient": patient, "user": user})


@register.simple_tag(takes_context=True)
def patient_tabs(context, patient):
    """The file's tabs, the current page's marked (links drawn by core.navigation, as the navigation bar)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    tabs = tabs_for(patient=patient, user=context.get("user"), current=current)
    return format_html('<nav class="file-tabs" aria-label="{}">\n  <ul>{}</ul>\n</nav>', _("Patient file"),
                       links_html(tabs, request))


@register.filter
def age_of(birth_date, on=None):
    """Age in whole years (in months under 2 years, as practitioners say it)."""
    if not birth_date:
        return ""
    today = on or timezone.localdate()
    years = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    return years


@register.filter
def age_months(birth_date):
    if not birth_date:
        return 0
    today = timezone.localdate()
    months = (today.year - birth_date.year) * 12 + today.month - birth_date.month
    return months - (today.day < birth_date.day)


@register.filter
def nir_display(nir: str) -> str:
    """'275037510812303' -> '2 75 03 75 108 123 03', as printed on the carte Vitale."""
    n = (nir or "").replace(" ", "")
    if len(n) != 15:
        return nir or ""
    return " ".join([n[0], n[1:3], n[3:5], n[5:7], n[7:10], n[10:13], n[13:15]])


@register.filter
def is_date(value) -> bool:
    return isinstance(value, datetime.date)


# The header of every page of the file shows them: compiled once (see core/prepared.py).
_TAG_LINKS = Prepared(lambda patient_id: PatientTag.objects.filter(patient_id=patient_id).select_related("tag"))


@register.simple_tag
def patient_tag_links(patient):
    """The patient's tags with their names and colours in one query (not one per tag)."""
    return _TAG_LINKS.list(patient_id=patient.pk)
