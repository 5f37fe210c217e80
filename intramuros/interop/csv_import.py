"""Patients from another software: a CSV file, a mapping of its columns, a dry run, then the import.

Every row goes through the same service as a patient typed by hand (patient_register), so the
same checks apply (NIR key, dates, lengths, duplicates). The dry run is that very import, rolled
back: what it reports is exactly what the import would do.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.core.text import validation_text

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
TARGETS = ["birth_name", "used_name", "first_names", "sex", "birth_date", "birth_place", "nir", "address",
           "postal_code", "city", "phone_mobile", "phone_home", "email", "notes"]
SEX_WORDS = {"f": "F", "femme": "F", "female": "F", "w": "F", "m": "M", "h": "M", "homme": "M", "male": "M",
             "x": "X", "i": "X", "autre": "X"}


class CsvImportError(ValueError):
    pass


@dataclass
class RowOutcome:
    line: int
    name: str
    status: str  # "created", "rejected", "duplicate"
    message: str = ""


@dataclass
class ImportReport:
    applied: bool
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    # For the templates, which cannot pass an argument.
    n_created = property(lambda self: self.count("created"))
    n_rejected = property(lambda self: self.count("rejected"))
    n_duplicate = property(lambda self: self.count("duplicate"))


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    if len(data) > MAX_BYTES:
        raise CsvImportError(_("The file is larger than 20 MB: split it."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise CsvImportError(_("This is not a text (CSV) file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";"
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise CsvImportError(_("The file is empty."))
    if len(rows) > MAX_ROWS + 1:
        raise CsvImportError(_("The file has more than %(n)s rows: split it.") % {"n": MAX_ROWS})
    return [h.strip() for h in rows[0]], rows[1:]


def _convert(target: str, value: str, date_format: str):
    value = value.strip()
    if target == "birth_date":
        for fmt in (date_format, "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return datetime.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        raise ValidationError(_("birth date %(value)r is not a date") % {"value": value})
    if target == "sex":
        sex = SEX_WORDS.get(value.lower())
        if sex is None:
            raise ValidationError(_("sex %(value)r is not understood (F, M or X)") % {"value": value})
        return sex
    if target == "nir":
        return "".join(c for c in value if c.isalnum()).upper()
    return value


def patients_import(*, actor, data: bytes, mapping: dict[str, str], apply: bool, date_format: str = "%d/%m/%Y",
                    skip_bad_rows: bool = False, accept_duplicates: bool = False) -> ImportReport:
    """Import (or, with apply=False, rehearse) the patients of a CSV file. `mapping`: column -> field."""
    from intramuros.patients.services import DuplicateSuspected, patient_register

    headers, rows = read_csv(data)
    unknown = [f for f in mapping.values() if f not in TARGETS]
    missing = [c for c in mapping if c not in headers]
    if unknown or missing:
        raise CsvImportError(_("Unknown field(s) %(fields)s or column(s) %(columns)s in the mapping.") % {
            "fields": ", ".join(unknown) or "-", "columns": ", ".join(missing) or "-"})
    for required in ("birth_name", "first_names", "sex", "birth_date"):
        if required not in mapping.values():
            raise CsvImportError(_("Map a column to %(field)s: it is required.") % {"field": required})
    index = {column: headers.index(column) for column in mapping}
    report = ImportReport(applied=False)
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            fields, label = {}, ""
            try:
                for column, target in mapping.items():
                    cell = row[index[column]] if index[column] < len(row) else ""
                    if cell.strip() or target in ("birth_name", "first_names", "sex", "birth_date"):
                        fields[target] = _convert(target, cell, date_format)
                label = f"{fields.get('birth_name', '')} {fields.get('first_names', '')}".strip()
                with transaction.atomic():
                    patient_register(actor=actor, confirm_duplicate=accept_duplicates, **fields)
                report.rows.append(RowOutcome(number, label, "created"))
            except DuplicateSuspected as exc:
                names = ", ".join(str(c.patient) for c in exc.candidates[:3])
                report.rows.append(RowOutcome(number, label, "duplicate", _("looks like %(names)s") % {"names": names}))
            except ValidationError as exc:
                report.rows.append(RowOutcome(number, label, "rejected", validation_text(exc)))
        bad = report.count("rejected")
        if not apply or (bad and not skip_bad_rows):
            transaction.set_rollback(True)
        else:
            report.applied = True
    audit.record(actor=actor, action="interop.csv.imported" if report.applied else "interop.csv.dry_run",
                 created=report.count("created"), rejected=bad, duplicates=report.count("duplicate"))
    return report
