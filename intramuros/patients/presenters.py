"""What a page shows of a list of patients, drawn in Python.

The search results are redrawn on every keystroke: twenty rows of URL reversals, date filters and
plural translations cost the template engine more than the search itself. The rows are prepared here,
once, as plain strings, and the table drawn from them with every value escaped.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
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


_ROW = ('\n    <tr data-patient="{pk}">\n      <td><a href="{url}"><strong>{surname}</strong> {first_names}</a>{born}{today}'
        '</td>\n      <td>{birth_date} <small class="muted">({age})</small></td>\n      <td>{phone}</td>\n'
        '      <td>{city}</td>\n    </tr>')


def results_table(rows: list[dict], text: str) -> SafeString:
    """The search results as a table (or, none found for a typed text, a sentence that says so)."""
    # The translations are the project's own texts, written out as the templates write them (not escaped).
    if not rows:
        if not text:
            return mark_safe("")
        none = gettext("No patient matches “%(q)s”. Check the spelling, or search by birth date or phone.")
        return mark_safe(f'<p class="muted" role="status">{none % {"q": escape(text)}}</p>\n')  # noqa: S308
    today = gettext("today")
    body = "".join(_ROW.format(
        pk=int(row["pk"]), url=escape(row["url"]), surname=escape(row["surname"]),
        first_names=escape(row["first_names"]),
        born=f' <small class="muted">{escape(row["born"])}</small>' if row["born"] else "",
        today=f' <span class="badge ok">{today}</span>' if row["today"] else "",
        birth_date=escape(row["birth_date"]), age=escape(row["age"]), phone=escape(row["phone"]),
        city=escape(row["city"])) for row in rows)
    head = "".join(f'<th scope="col">{label}</th>'
                   for label in (gettext("Name"), gettext("Birth date"), gettext("Phone"), gettext("City")))
    return mark_safe(  # noqa: S308 - every value above escaped
        f'<table class="table patient-results">\n  <caption class="visually-hidden">'
        f'{gettext("Patients found")}</caption>\n  <thead><tr>{head}</tr></thead>\n  <tbody>{body}\n'
        '  </tbody>\n</table>\n')
