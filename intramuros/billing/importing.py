"""The fee schedule from a CSV file: code;label;price[;kind[;active]] with a header row.

Separator `;`, `,` or tab (detected). Prices as 26.50 or 26,50. Every row is checked first; with any
bad row nothing is applied (unless skip_bad_rows), and each bad row is reported with its line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.billing.amounts import parse_amount
from intramuros.billing.fees import CODE_RE
from intramuros.billing.models import Act, ActKind

MAX_ROWS = 20000
KINDS = {"ngap": ActKind.NGAP, "ccam": ActKind.CCAM, "free": ActKind.FREE, "libre": ActKind.FREE}
TRUE = {"1", "yes", "oui", "true", "vrai", "y", "o"}
FALSE = {"0", "no", "non", "false", "faux", "n"}


@dataclass
class Row:
    line: int
    code: str
    label: str
    price: Decimal
    kind: str
    active: bool


@dataclass
class ImportReport:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _sniff(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return max(";,\t", key=first.count)


def parse_fees(text: str) -> ImportReport:
    report = ImportReport()
    text = text.lstrip("\ufeff")
    if not text.strip():
        report.errors.append((1, _("The file is empty: expected a header line code;label;price.")))
        return report
    reader = csv.DictReader(io.StringIO(text), delimiter=_sniff(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in ("code", "label", "price") if c not in header]
    if missing:
        report.errors.append((1, _("The header line lacks the column(s) %(cols)s: expected code;label;price "
                                   "(and optionally kind;active).") % {"cols": ", ".join(missing)}))
        return report
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if line > MAX_ROWS:
            report.errors.append((line, _("Too many rows: import at most %(n)s acts at a time.") % {"n": MAX_ROWS}))
            break
        if None in record:
            report.errors.append((line, _("This row has more columns than the header.")))
            continue
        values = {k: (v or "").strip() for k, v in record.items()}
        if not any(values.values()):
            continue
        code = values["code"].upper()
        problems = []
        if not CODE_RE.match(code):
            problems.append(_("the code “%(code)s” is missing or not a code (letters, digits, up to 20)")
                            % {"code": values["code"]})
        elif code in seen:
            problems.append(_("the code %(code)s already appears on line %(line)s") % {"code": code,
                                                                                      "line": seen[code]})
        if not values["label"]:
            problems.append(_("the label is empty"))
        elif len(values["label"]) > 200:
            problems.append(_("the label is longer than 200 characters"))
        kind_text = values.get("kind", "").lower()
        if kind_text in KINDS and KINDS[kind_text]:
            kind = KINDS[kind_text]
        else:
            if kind_text:
                problems.append(_("the kind “%(kind)s” is not ngap, ccam or free") % {"kind": values.get("kind")})
            # CCAM codes are 4 letters and 3 digits (DEQP003); anything else is taken for NGAP.
            ccam = len(code) == 7 and code[:4].isalpha() and code[4:].isdigit()
            kind = ActKind.CCAM if ccam else ActKind.NGAP
        price = None
        try:
            price = parse_amount(values["price"], allow_zero=kind == ActKind.FREE)
        except ValidationError as exc:
            problems.append(_("price: %(error)s") % {"error": " ".join(exc.messages)})
        active_text = values.get("active", "").lower()
        if active_text and active_text not in TRUE | FALSE:
            problems.append(_("active must be yes or no, not “%(value)s”") % {"value": values.get("active")})
        if problems:
            report.errors.append((line, "; ".join(problems)))
            continue
        seen[code] = line
        report.rows.append(Row(line, code, values["label"], price, kind, active_text not in FALSE))
    if not report.rows and not report.errors:
        report.errors.append((1, _("The file holds a header but no act.")))
    return report


def import_fees(*, actor, text: str, practitioner=None, apply: bool = False, skip_bad_rows: bool = False):
    report = parse_fees(text)
    if not apply or (report.errors and not skip_bad_rows) or not report.rows:
        return report
    with transaction.atomic():
        existing = {a.code: a for a in Act.objects.select_for_update().filter(practitioner=practitioner)}
        for row in report.rows:
            act = existing.get(row.code)
            if act is None:
                Act.objects.create(practitioner=practitioner, code=row.code, label=row.label, price=row.price,
                                   kind=row.kind, active=row.active)
                report.created += 1
            elif (act.label, act.price, act.kind, act.active) != (row.label, row.price, row.kind, row.active):
                act.label, act.price, act.kind, act.active = row.label, row.price, row.kind, row.active
                act.save()
                report.updated += 1
        audit.record(actor=actor, action="billing.fees.imported", target=None, created=report.created,
                     updated=report.updated, skipped=len(report.errors),
                     practitioner=getattr(practitioner, "pk", None))
    report.applied = True
    return report
