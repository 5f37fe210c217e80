"""Reading the fee schedule: which price applies, and acts typed as codes ("G+MEG", "2*G")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from intramuros.billing.models import Act, ActKind

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,19}$")
_TERM = re.compile(r"^(?:(\d{1,2})\s*[*x×]\s*)?([A-Za-z0-9._-]+)$")


@dataclass(frozen=True)
class LineInput:
    code: str
    label: str
    unit_price: Decimal
    quantity: int = 1
    kind: str = ActKind.FREE
    act: Act | None = None

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


def acts_for(practitioner) -> dict[str, Act]:
    """Active acts by code for a practitioner: their own price wins over the practice's."""
    acts: dict[str, Act] = {}
    rows = Act.objects.filter(Q(practitioner__isnull=True) | Q(practitioner=practitioner), active=True)
    for act in sorted(rows, key=lambda a: a.practitioner_id is not None):
        acts[act.code] = act
    return acts


def lines_from_codes(codes: str, *, practitioner) -> list[LineInput]:
    """'G + MEG' or '2*G' -> lines priced from the schedule; an unknown code is refused by name."""
    text = (codes or "").strip()
    if not text:
        return []
    schedule = acts_for(practitioner)
    lines, unknown = [], []
    for term in (t.strip() for t in text.split("+")):
        match = _TERM.match(term)
        if not match:
            raise ValidationError(_("“%(term)s” is not an act: write codes joined by +, e.g. G+MEG or 2*G.")
                                  % {"term": term})
        quantity, code = int(match.group(1) or 1), match.group(2).upper()
        if quantity < 1:
            raise ValidationError(_("The quantity of %(code)s must be at least 1.") % {"code": code})
        act = schedule.get(code)
        if act is None:
            unknown.append(code)
            continue
        lines.append(LineInput(code=act.code, label=act.label, unit_price=act.price, quantity=quantity,
                               kind=act.kind, act=act))
    if unknown:
        raise ValidationError(_("Unknown or inactive act code(s): %(codes)s. Add them to the fee schedule or "
                                "correct the codes.") % {"codes": ", ".join(unknown)})
    return lines
