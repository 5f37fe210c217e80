"""HL7 v2 ORU^R01 results, parsed with the `hl7` package.

Real-world quirks handled: escape sequences (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ and \\.br\\ for line breaks),
repeated fields (several names: the first is used), \\n or \\r\\n instead of \\r between segments,
missing optional segments (OBR, NTE), and a value split over several OBX lines of type TX/FT.
"""

from __future__ import annotations

import hl7

from intramuros.interop.labs.parsed import (
    LabParseError,
    ParsedMessage,
    ParsedResult,
    parse_date,
    parse_datetime,
)


def _normalise(raw: str) -> str:
    text = raw.replace("\x0b", "").replace("\x1c", "").strip()
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    return "\r".join(line for line in text.split("\r") if line.strip())


def _get(segment, field: int, component: int = 1, repetition: int = 1) -> str:
    """A component as text, escape sequences decoded (\\.br\\ becomes a line break); '' when absent."""
    try:
        value = segment.extract_field(1, field, repetition, component)
    except (IndexError, KeyError, TypeError, ValueError):
        return ""
    return str(value).replace("\r", "\n").strip()


def parse_oru(raw: str) -> ParsedMessage:
    text = _normalise(raw)
    if not text.startswith("MSH"):
        raise LabParseError("not an HL7 v2 message: it must start with an MSH segment")
    try:
        message = hl7.parse(text)
        msh = message.segment("MSH")
    except Exception as exc:  # the hl7 package raises several types on malformed input
        raise LabParseError(f"the HL7 message does not parse: {exc}") from None
    kind = _get(msh, 9)
    if kind != "ORU":
        raise LabParseError(f"message type {kind or 'missing'} is not a result (ORU^R01)")
    try:
        pid = message.segment("PID")
    except KeyError:
        raise LabParseError("the message has no PID segment: the patient cannot be identified") from None
    parsed = ParsedMessage(format="hl7v2", control_id=_get(msh, 10), laboratory=_get(msh, 4) or _get(msh, 3),
                           last_name=_get(pid, 5, 1), first_name=_get(pid, 5, 2),
                           birth_date=parse_date(_get(pid, 7)), sex=_get(pid, 8)[:1].upper())
    # The NIR may come as one repetition of PID-3 whose assigning authority says so (INS, NIR, NNI).
    for rep in range(1, 6):
        ident, authority = _get(pid, 3, 1, rep), f"{_get(pid, 3, 4, rep)} {_get(pid, 3, 5, rep)}".upper()
        if ident and any(word in authority for word in ("INS", "NIR", "NNI")):
            parsed.nir = "".join(c for c in ident if c.isdigit())[:15]
    default_time = ""
    for segment in message:
        name = str(segment[0])
        if name == "OBR":
            default_time = parse_datetime(_get(segment, 7))
        elif name == "OBX":
            _add_observation(segment, parsed, default_time)
    if not parsed.results:
        raise LabParseError("the message holds no result (no OBX segment)")
    return parsed


def _add_observation(obx, parsed: ParsedMessage, default_time: str) -> None:
    value_type, code = _get(obx, 2), _get(obx, 3, 1)
    pieces = []
    for rep in range(1, 50):  # repeated values (~) of a text result are lines of one text
        piece = _get(obx, 5, 1, rep) if value_type not in {"TX", "FT", "ST"} else _text(obx, rep)
        if not piece:
            break
        pieces.append(piece)
    value = "\n".join(pieces)
    previous = parsed.results[-1] if parsed.results else None
    if value_type in {"TX", "FT"} and previous and previous.code == code:
        previous.value = f"{previous.value}\n{value}".strip()  # one comment continued over several OBX
        return
    parsed.results.append(ParsedResult(
        code=code or f"OBX{_get(obx, 1)}", label=_get(obx, 3, 2) or code, value=value, unit=_get(obx, 6),
        reference_range=_get(obx, 7), abnormal_flag=_get(obx, 8), code_system=_get(obx, 3, 3),
        observed_at=parse_datetime(_get(obx, 14)) or default_time))


def _text(obx, rep: int) -> str:
    """A text value whole: its ^ are part of the text, not components."""
    parts = [_get(obx, 5, c, rep) for c in range(1, 10)]
    while parts and not parts[-1]:
        parts.pop()
    return "^".join(parts)


def ack(raw: str, *, accepted: bool, text: str = "") -> str:
    """An ACK (AA) or NACK (AE) answering the message, for the MLLP listener."""
    import datetime

    control_id, version, sender, facility = "", "2.5", "", ""
    try:
        msh = hl7.parse(_normalise(raw)).segment("MSH")
        control_id, version = _get(msh, 10), _get(msh, 12) or "2.5"
        sender, facility = _get(msh, 3), _get(msh, 4)
    except Exception:  # noqa: S110 — a message that does not parse still gets a NACK
        pass
    now = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    code = "AA" if accepted else "AE"
    safe = text.replace("|", " ").replace("\r", " ")[:80]
    return (f"MSH|^~\\&|INTRAMUROS|CABINET|{sender}|{facility}|{now}||ACK^R01|ACK{now}|P|{version}\r"
            f"MSA|{code}|{control_id}|{safe}\r")
