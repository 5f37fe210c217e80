from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from intramuros.billing.amounts import parse_amount
from intramuros.billing.models import MAX_AMOUNT


@pytest.mark.parametrize("text, expected", [("26,50", "26.50"), ("26.5", "26.50"), (" 1 234,00 € ", "1234.00"),
                                            (Decimal("30"), "30.00")])
def test_amounts_are_read_as_decimal_with_two_places(text, expected):
    assert parse_amount(text) == Decimal(expected) and str(parse_amount(text)) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_any_text_gives_a_sane_amount_or_a_clear_refusal(text):
    try:
        amount = parse_amount(text)
    except ValidationError as exc:
        assert exc.messages and exc.messages[0]
    else:
        assert Decimal("0") < amount <= MAX_AMOUNT and amount == amount.quantize(Decimal("0.01"))


def test_messages_are_in_french_by_default():
    with translation.override("fr"), pytest.raises(ValidationError, match="négatif"):
        parse_amount("-3")


def test_huge_exponents_are_refused_not_crashing():
    with pytest.raises(ValidationError, match="more than"):
        parse_amount("1E100")
