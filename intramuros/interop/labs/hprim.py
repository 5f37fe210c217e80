"""HPRIM Santé 2.x results (the French laboratory format, built on ASTM E1238/E1394 records).

Records, one per line, fields separated by the delimiter given in the H record (usually `|`, with
`^` between components): H (header), P (patient), OBR (request), OBX (result), C (comment), L (end).
P: P|seq|practice id|lab id|id3|LAST^FIRST^...|maiden name|YYYYMMDD|sex|...
OBX: OBX|seq|value type|code^label^system|...|value|unit|reference range|abnormal flag|...|status|...|date
Lines may be folded by the sender at 220 characters with a leading `A|` continuation record; these are joined.
"""

from __future__ import annotations

from intramuros.interop.labs.parsed import (
    LabParseError,
    ParsedMessage,
    ParsedResult,
    parse_date,
    parse_datetime,
)


def _lines(raw: str) -> list[str]:
    lines: list[str] = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.rstrip()
        if not line:
            continue
        if line.startswith("A|") and lines:
            lines[-1] += line[2:]  # continuation record
        else:
            lines.append(line)
    return lines


def parse_hprim(raw: str) -> ParsedMessage:
    lines = _lines(raw)
    if not lines or not lines[0].startswith("H"):
        raise LabParseError("not an HPRIM Santé message: the first record must be the header (H)")
    sep = lines[0][1] if len(lines[0]) > 1 else "|"
    comp = lines[0][2] if len(lines[0]) > 2 and lines[0][2] not in {sep, " "} else "^"
    header = lines[0].split(sep)
    parsed = ParsedMessage(format="hprim", control_id=header[2] if len(header) > 2 else "",
                           laboratory=(header[4].split(comp)[0] if len(header) > 4 else ""))
    seen_patient, default_time = False, ""
    for line in lines[1:]:
        fields = line.split(sep)
        kind = fields[0]

        def f(index, component=0, fields=fields):
            if index >= len(fields):
                return ""
            parts = fields[index].split(comp)
            return parts[component].strip() if component < len(parts) else ""

        if kind == "P":
            seen_patient = True
            parsed.last_name, parsed.first_name = f(5, 0), f(5, 1)
            parsed.birth_date, parsed.sex = parse_date(f(7)), f(8)[:1].upper()
            for candidate in (f(3), f(4), f(2)):
                digits = "".join(c for c in candidate if c.isdigit())
                if len(digits) in (13, 15):
                    parsed.nir = digits
        elif kind == "OBR":
            default_time = parse_datetime(f(7))
        elif kind == "OBX":
            code = f(3, 0)
            parsed.results.append(ParsedResult(
                code=code or f"OBX{f(1)}", label=f(3, 1) or code, value=fields[5].strip() if len(fields) > 5 else "",
                unit=f(6), reference_range=f(7), abnormal_flag=f(8), code_system=f(3, 2),
                observed_at=parse_datetime(f(14)) or default_time))
        elif kind == "C" and parsed.results:
            parsed.results[-1].value = f"{parsed.results[-1].value}\n{f(3)}".strip()
    if not seen_patient:
        raise LabParseError("the message has no patient record (P): the patient cannot be identified")
    if not parsed.results:
        raise LabParseError("the message holds no result (no OBX record)")
    return parsed
