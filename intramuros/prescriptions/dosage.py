"""A dosage built from parts, read back as a sentence in the language of the page (French on paper).

"1 comprimé le matin, le midi et le soir pendant 7 jours", "2 gélules 3 fois par jour pendant 10 jours",
"1 sachet si besoin, au plus 3 par jour". Every piece goes through gettext, so the English UI reads
"1 tablet in the morning, at noon and in the evening for 7 days".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.utils.translation import override as language_override

# Each unit reads "%(n)s ..." with its plural: the number is what chooses the form.
UNITS = {
    "tablet": ngettext_lazy("%(n)s tablet", "%(n)s tablets", "count"),
    "capsule": ngettext_lazy("%(n)s capsule", "%(n)s capsules", "count"),
    "sachet": ngettext_lazy("%(n)s sachet", "%(n)s sachets", "count"),
    "drop": ngettext_lazy("%(n)s drop", "%(n)s drops", "count"),
    "puff": ngettext_lazy("%(n)s puff", "%(n)s puffs", "count"),
    "spoon": ngettext_lazy("%(n)s teaspoon", "%(n)s teaspoons", "count"),
    "tablespoon": ngettext_lazy("%(n)s tablespoon", "%(n)s tablespoons", "count"),
    "dose": ngettext_lazy("%(n)s dose", "%(n)s doses", "count"),
    "application": ngettext_lazy("%(n)s application", "%(n)s applications", "count"),
    "suppository": ngettext_lazy("%(n)s suppository", "%(n)s suppositories", "count"),
    "ampoule": ngettext_lazy("%(n)s ampoule", "%(n)s ampoules", "count"),
    "injection": ngettext_lazy("%(n)s injection", "%(n)s injections", "count"),
    "patch": ngettext_lazy("%(n)s patch", "%(n)s patches", "count"),
    "unit": ngettext_lazy("%(n)s unit", "%(n)s units", "count"),
    "ml": gettext_lazy("%(n)s ml"),
    "mg": gettext_lazy("%(n)s mg"),
}
UNIT_CHOICES = [
    ("tablet", gettext_lazy("tablet(s)")), ("capsule", gettext_lazy("capsule(s)")),
    ("sachet", gettext_lazy("sachet(s)")), ("drop", gettext_lazy("drop(s)")), ("puff", gettext_lazy("puff(s)")),
    ("spoon", gettext_lazy("teaspoon(s)")), ("tablespoon", gettext_lazy("tablespoon(s)")),
    ("dose", gettext_lazy("dose(s)")), ("application", gettext_lazy("application(s)")),
    ("suppository", gettext_lazy("suppository(ies)")), ("ampoule", gettext_lazy("ampoule(s)")),
    ("injection", gettext_lazy("injection(s)")), ("patch", gettext_lazy("patch(es)")),
    ("unit", gettext_lazy("unit(s)")), ("ml", "ml"), ("mg", "mg"),
]

MOMENTS = {
    "morning": gettext_lazy("in the morning"),
    "noon": gettext_lazy("at noon"),
    "evening": gettext_lazy("in the evening"),
    "bedtime": gettext_lazy("at bedtime"),
}
MOMENT_CHOICES = [
    ("morning", gettext_lazy("morning")), ("noon", gettext_lazy("noon")),
    ("evening", gettext_lazy("evening")), ("bedtime", gettext_lazy("bedtime")),
]

FREQUENCIES = {
    "day": ngettext_lazy("once a day", "%(count)s times a day", "count"),
    "week": ngettext_lazy("once a week", "%(count)s times a week", "count"),
    "hours": ngettext_lazy("every hour", "every %(count)s hours", "count"),
    "prn": ngettext_lazy("if needed, at most once a day", "if needed, at most %(count)s times a day", "count"),
}
DURATIONS = {
    "days": ngettext_lazy("for %(count)s day", "for %(count)s days", "count"),
    "weeks": ngettext_lazy("for %(count)s week", "for %(count)s weeks", "count"),
    "months": ngettext_lazy("for %(count)s month", "for %(count)s months", "count"),
}
_FRACTIONS = {Decimal("0.25"): "1/4", Decimal("0.5"): "1/2", Decimal("0.75"): "3/4", Decimal("0.33"): "1/3"}


def _amount(quantity) -> tuple[str, int]:
    """The quantity as printed ('1/2', '1', '1,5') and the count that chooses singular or plural."""
    try:
        q = Decimal(str(quantity)).normalize()
    except (InvalidOperation, ValueError):
        return str(quantity), 1
    if q in _FRACTIONS:
        return _FRACTIONS[q], 1
    if q == q.to_integral_value():
        return str(int(q)), int(q)
    return number_format(q, decimal_pos=None), 2 if q > 1 else 1


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(first)s and %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


def dosage_sentence(*, quantity=None, unit: str = "", frequency: str = "", frequency_count=None,
                    moments=(), duration=None, duration_unit: str = "", instructions: str = "",
                    language: str | None = None) -> str:
    """The dosage in words, in `language` (or the active one)."""
    if language:
        with language_override(language):
            return dosage_sentence(quantity=quantity, unit=unit, frequency=frequency, frequency_count=frequency_count,
                                   moments=moments, duration=duration, duration_unit=duration_unit,
                                   instructions=instructions)
    pieces = []
    if quantity not in (None, ""):
        text, count = _amount(quantity)
        template = UNITS.get(unit)
        if template is not None:
            pieces.append(template % {"n": text, "count": count})
        else:
            pieces.append(f"{text} {unit}".strip())
    known_moments = [m for m in MOMENTS if m in (moments or [])]
    if known_moments:
        pieces.append(_join([str(MOMENTS[m]) for m in known_moments]))
    elif frequency in FREQUENCIES:
        count = int(frequency_count or 1)
        pieces.append(FREQUENCIES[frequency] % {"count": count})
    if duration and duration_unit in DURATIONS:
        pieces.append(DURATIONS[duration_unit] % {"count": int(duration)})
    sentence = " ".join(p for p in pieces if p)
    if instructions:
        sentence = f"{sentence}. {instructions.strip()}" if sentence else instructions.strip()
    return sentence


def line_mentions(*, renewals: int = 0, non_substitutable: str = "", language: str | None = None) -> list[str]:
    """The mentions printed under a line: renewals and the non-substitutable mention with its reason."""
    if language:
        with language_override(language):
            return line_mentions(renewals=renewals, non_substitutable=non_substitutable)
    mentions = []
    if renewals:
        mentions.append(ngettext_lazy("To be renewed once", "To be renewed %(count)s times", "count")
                        % {"count": renewals})
    if non_substitutable:
        mentions.append(str(format_lazy("{} ({})", _("Non-substitutable"), non_substitutable)))
    return mentions
