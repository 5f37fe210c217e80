"""Reading the files of the French public drug database (BDPM, base de données publique des médicaments).

The practice downloads the files itself; Intramuros never fetches anything. Every file is tab-separated,
Windows-1252 (cp1252) encoded, without a header line. Column layouts (1-based), as published by the ANSM:

CIS_bdpm.txt (specialities), 12 columns:
  1 CIS code (8 digits) | 2 name | 3 pharmaceutical form | 4 routes (";"-separated) | 5 authorisation (AMM)
  status | 6 authorisation procedure | 7 marketing status | 8 AMM date (DD/MM/YYYY) | 9 BDM status (e.g.
  "Alerte", "Warning disponibilité") | 10 European authorisation number | 11 holder(s) (";"-separated,
  often with a leading space) | 12 reinforced monitoring ("Oui"/"Non")
CIS_CIP_bdpm.txt (presentations), 10 columns in older files, 13 since prices gained the dispensing fee:
  1 CIS | 2 CIP7 | 3 presentation label | 4 presentation administrative status | 5 marketing status |
  6 marketing declaration date | 7 CIP13 | 8 approved for collectivities (oui/non/inconnu) |
  9 reimbursement rate(s) (";"-separated, e.g. "65%") | 10 price in euros ("1,234,56": the last comma is
  the decimal mark) | 11 price including the dispensing fee | 12 dispensing fee | 13 reimbursement indications
CIS_COMPO_bdpm.txt (compositions), 8 columns (lines usually end with a tab):
  1 CIS | 2 pharmaceutical element | 3 substance code | 4 substance name | 5 dosage | 6 dosage reference |
  7 nature: "SA" active substance or "FT" therapeutic fraction | 8 SA/FT link number
CIS_GENER_bdpm.txt (generics register), 5 columns:
  1 generic group id | 2 group label | 3 CIS | 4 generic type (0 princeps, 1 generic, 2 complementary
  dosage, 4 substitutable) | 5 sort number
CIS_CPD_bdpm.txt (prescribing and dispensing conditions), 2 columns:
  1 CIS | 2 condition (e.g. "liste I", "réservé à l'usage HOSPITALIER")

Bad input stops the read with the file name and the line number (or, when asked, skips the line and
reports it): an undecodable or UTF-8 encoded line, a line with too few columns (a truncated line), a CIS
code that is not 8 digits.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileSpec:
    name: str
    min_columns: int
    max_columns: int
    required: bool = True


SPECIALITIES = FileSpec("CIS_bdpm.txt", 12, 12)
PRESENTATIONS = FileSpec("CIS_CIP_bdpm.txt", 10, 13)
COMPOSITIONS = FileSpec("CIS_COMPO_bdpm.txt", 8, 8)
GENERICS = FileSpec("CIS_GENER_bdpm.txt", 4, 5, required=False)
CONDITIONS = FileSpec("CIS_CPD_bdpm.txt", 2, 2, required=False)
ALL_FILES = (SPECIALITIES, PRESENTATIONS, COMPOSITIONS, GENERICS, CONDITIONS)

_CIS = re.compile(r"^\d{8}$")


class BdpmError(Exception):
    """Bad input in a BDPM file: says which file, which line and what to do."""

    def __init__(self, message: str, *, file: str = "", line: int = 0):
        super().__init__(message)
        self.file = file
        self.line = line


@dataclass
class SkippedLine:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return _("%(file)s, line %(line)d: %(problem)s.") % {"file": self.file, "line": self.line,
                                                           "problem": self.reason}


@dataclass
class ParseReport:
    skipped: list[SkippedLine] = field(default_factory=list)


def _looks_utf8(raw: bytes) -> bool:
    """A non-ASCII line that decodes as UTF-8 was saved as UTF-8: read as cp1252 it would give "Ã©"."""
    if raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_rows(path: Path, spec: FileSpec, *, report: ParseReport, skip_bad_lines: bool,
              on_line: Callable[[], None] | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, columns) of one file, checking encoding and column count on every line."""
    name = spec.name
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if on_line:
                on_line()
            truncated = not raw.endswith(b"\n")
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue  # the published files do contain empty lines
            problem = ""
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                text = ""
                problem = _("byte 0x%(byte)02x at column %(col)d is not Windows-1252 (cp1252) text: "
                            "use the file as downloaded from the public drug database") % {
                    "byte": raw[exc.start], "col": exc.start + 1}
            if not problem and _looks_utf8(raw):
                problem = _("the line is UTF-8 encoded, where the published files are Windows-1252 (cp1252): "
                            "use the file as downloaded, without converting it")
            columns = text.split("\t") if not problem else []
            # Most files end their lines with a tab: an empty column past the last one is not a column.
            while len(columns) > spec.min_columns and columns[-1] == "" and len(columns) > spec.max_columns:
                columns.pop()
            if not problem and len(columns) < spec.min_columns:
                problem = _("%(found)d columns where %(expected)d are expected%(hint)s") % {
                    "found": len(columns), "expected": spec.min_columns,
                    "hint": _(" (the line looks cut short)") if truncated else ""}
            elif not problem and len(columns) > spec.max_columns:
                problem = _("%(found)d columns where at most %(expected)d are expected") % {
                    "found": len(columns), "expected": spec.max_columns}
            elif not problem and not _CIS.match(columns[2 if spec is GENERICS else 0].strip()):
                problem = _("%(value)r is not a CIS code (8 digits)") % {
                    "value": columns[2 if spec is GENERICS else 0][:20]}
            if problem:
                if skip_bad_lines:
                    report.skipped.append(SkippedLine(name, number, problem))
                    continue
                raise BdpmError(_("%(file)s, line %(line)d: %(problem)s.") % {
                    "file": name, "line": number, "problem": problem}, file=name, line=number)
            yield number, [c.strip() for c in columns]


def count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


def find_files(directory: Path) -> dict[FileSpec, Path]:
    """The BDPM files present in `directory` (names compared without case); the required ones must be there."""
    if not directory.is_dir():
        raise BdpmError(_("%(dir)s is not a folder: give the folder where the BDPM files were downloaded.")
                        % {"dir": directory})
    present = {p.name.lower(): p for p in directory.iterdir() if p.is_file()}
    found, missing = {}, []
    for spec in ALL_FILES:
        path = present.get(spec.name.lower())
        if path:
            found[spec] = path
        elif spec.required:
            missing.append(spec.name)
    if missing:
        raise BdpmError(_("%(files)s missing from %(dir)s: download them from the public drug database "
                          "(base-donnees-publique.medicaments.gouv.fr) into that folder.")
                        % {"files": ", ".join(missing), "dir": directory})
    return found


def parse_date(value: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def parse_price(value: str) -> Decimal | None:
    """'1,234,56' -> 1234.56: every comma is a thousands separator except the last one."""
    value = value.strip().replace(" ", "")
    if not value:
        return None
    head, _sep, tail = value.rpartition(",")
    try:
        return Decimal(f"{head.replace(',', '')}.{tail}" if head else tail)
    except InvalidOperation:
        return None
