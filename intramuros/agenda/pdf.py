"""The day's list as PDF (WeasyPrint), through the documents app's local-only renderer."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string

from intramuros.agenda import selectors
from intramuros.agenda.timeutil import day_bounds


def _html_to_pdf(html: str) -> bytes:
    try:
        from intramuros.documents.pdf import html_to_pdf
    except ImportError:  # the documents app is optional here: same rule, refuse every URL
        from weasyprint import HTML

        def refuse(url, *args, **kwargs):
            raise ValueError(f"refused to fetch {url}")

        return HTML(string=html, url_fetcher=refuse).write_pdf()
    return html_to_pdf(html)


def day_list_pdf(*, day: datetime.date, calendars, request=None) -> bytes:
    start, end = day_bounds(day)
    appts = list(selectors.appointments_between(calendar_ids=[c.pk for c in calendars], start=start, end=end))
    sections = [{"calendar": c, "appointments": [a for a in appts if a.calendar_id == c.pk]} for c in calendars]
    html = render_to_string("agenda/day_list_pdf.html", {"day": day, "sections": sections}, request=request)
    return _html_to_pdf(html)
