"""Vital signs: units, plausible physiological ranges, and the body-mass index.

A value outside its range is refused at the field: it is a typing error (72 typed 720, kg typed as g),
never a patient. The bounds are deliberately wide: extreme but real values must go through.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.formats import localize
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class VitalRange:
    label: str
    unit: str
    low: Decimal
    high: Decimal


RANGES: dict[str, VitalRange] = {
    "weight_kg": VitalRange(_("weight"), "kg", Decimal("0.3"), Decimal("400")),
    "height_cm": VitalRange(_("height"), "cm", Decimal("20"), Decimal("250")),
    "systolic_mmhg": VitalRange(_("systolic blood pressure"), "mmHg", Decimal("40"), Decimal("300")),
    "diastolic_mmhg": VitalRange(_("diastolic blood pressure"), "mmHg", Decimal("20"), Decimal("200")),
    "heart_rate_bpm": VitalRange(_("heart rate"), "bpm", Decimal("20"), Decimal("250")),
    "temperature_c": VitalRange(_("temperature"), "°C", Decimal("30"), Decimal("44")),
    "spo2_pct": VitalRange(_("oxygen saturation"), "%", Decimal("50"), Decimal("100")),
    "glycaemia_g_l": VitalRange(_("glycaemia"), "g/L", Decimal("0.1"), Decimal("10")),
    "head_circumference_cm": VitalRange(_("head circumference"), "cm", Decimal("20"), Decimal("70")),
}


class RangeValidator:
    """Refuses a value outside the plausible range, saying the range and the unit."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, value) -> None:
        if value is None:
            return
        r = RANGES[self.name]
        if not (r.low <= Decimal(str(value)) <= r.high):
            raise ValidationError(
                _("%(value)s %(unit)s is not a possible %(label)s: enter a value between %(low)s and %(high)s "
                  "%(unit)s."),
                code="out_of_range",
                params={"value": localize(value), "unit": r.unit, "label": r.label, "low": localize(r.low),
                        "high": localize(r.high)},
            )

    def deconstruct(self):
        return ("intramuros.clinical.vitals.RangeValidator", (self.name,), {})

    def __eq__(self, other) -> bool:
        return isinstance(other, RangeValidator) and other.name == self.name


def validators(name: str) -> list[RangeValidator]:
    return [RangeValidator(name)]


def bmi(weight_kg, height_cm) -> Decimal | None:
    """Body-mass index in kg/m², rounded to one decimal; None when either measure is missing."""
    if weight_kg in (None, "") or height_cm in (None, ""):
        return None
    try:
        weight, height_m = Decimal(str(weight_kg)), Decimal(str(height_cm)) / 100
    except InvalidOperation:
        return None
    if weight <= 0 or height_m <= 0:
        return None
    return (weight / (height_m * height_m)).quantize(Decimal("0.1"))


def bmi_class(value) -> str:
    """WHO adult classes, for the summary."""
    if value is None:
        return ""
    value = Decimal(str(value))
    if value < Decimal("18.5"):
        return str(_("underweight"))
    if value < 25:
        return str(_("normal"))
    if value < 30:
        return str(_("overweight"))
    return str(_("obesity"))
