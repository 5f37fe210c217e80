"""What a page shows of a list of patients, prepared in Python.

The search results are redrawn on every keystroke: twenty rows of URL reversals, date filters and
plural translations cost the template engine more than the search itself. The rows are prepared here,
once, as plain strings (the template still escapes them).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from intramuros.core import urlcache


def age_in_years(birth_date, today) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def result_rows(patients) -> list[dict]:
    """One dict per patient of a search result, as the results table shows it."""
    today = timezone.localdate()
    rows = []
    for p in patients:
        birth_name = (p.birth_name or "").upper()
        years = age_in_years(p.birth_date, today) if p.birth_date else None
        rows.append({
            "pk": p.pk,
            "url": urlcache.patient_url("patients:identity", p.pk),
            "surname": (p.used_name or p.birth_name).upper(),
            "first_names": p.first_names,
            "born": gettext("born %(name)s") % {"name": birth_name}
            if p.used_name and p.used_name.upper() != birth_name else "",
            "today": getattr(p, "seen_today", 1) == 0,
            "birth_date": p.birth_date.strftime("%d/%m/%Y") if p.birth_date else "",
            "age": ngettext("%(y)s year", "%(y)s years", years) % {"y": years} if years is not None else "",
            "phone": p.phone_mobile or p.phone_home,
            "city": p.city,
        })
    return rows
