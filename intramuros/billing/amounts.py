"""Reading amounts typed by people or found in files: Decimal with two places, never float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from intramuros.billing.models import MAX_AMOUNT

CENT = Decimal("0.01")


def parse_amount(value, *, allow_zero: bool = False) -> Decimal:
    """'26,50', '26.5', Decimal('26.50') -> Decimal('26.50'); refuses negative, absurd or malformed amounts."""
    if isinstance(value, float):
        raise TypeError("amounts are Decimal or text, never float")
    text = str(value if value is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    text = text.removesuffix("€").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not an amount: write it like 26.50.") % {"value": value}) from None
    if not amount.is_finite():
        raise ValidationError(_("“%(value)s” is not an amount: write it like 26.50.") % {"value": value})
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative (%(value)s): to cancel an invoice, issue a "
                                "credit note.") % {"value": value})
    if amount == 0 and not allow_zero:
        raise ValidationError(_("The amount must be more than zero."))
    if amount > MAX_AMOUNT:
        raise ValidationError(_("%(value)s € is more than the %(max)s € an act may cost here: check the amount.")
                              % {"value": value, "max": MAX_AMOUNT})
    # Checked after the bounds: quantizing 1E100 would overflow the decimal context.
    if amount != amount.quantize(CENT):
        raise ValidationError(_("%(value)s has more than two decimals: amounts are in euros and cents.")
                              % {"value": value})
    return amount.quantize(CENT)
