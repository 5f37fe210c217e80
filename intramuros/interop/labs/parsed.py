"""What a lab message says, whatever its format."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field


class LabParseError(ValueError):
    """The message cannot be understood; the text says why (kept with the raw message)."""


@dataclass
class ParsedResult:
    code: str
    label: str
    value: str
    unit: str = ""
    reference_range: str = ""
    abnormal_flag: str = ""
    code_system: str = ""
    observed_at: str = ""  # ISO datetime


@dataclass
class ParsedMessage:
    format: str
    control_id: str = ""
    laboratory: str = ""
    last_name: str = ""
    first_name: str = ""
    birth_date: datetime.date | None = None
    sex: str = ""
    nir: str = ""
    results: list[ParsedResult] = field(default_factory=list)

    def to_json(self) -> dict:
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return data


def parse_date(text: str) -> datetime.date | None:
    digits = "".join(c for c in text if c.isdigit())[:8]
    try:
        return datetime.datetime.strptime(digits, "%Y%m%d").date() if len(digits) == 8 else None
    except ValueError:
        return None


def parse_datetime(text: str) -> str:
    digits = "".join(c for c in text if c.isdigit())
    for fmt, size in (("%Y%m%d%H%M%S", 14), ("%Y%m%d%H%M", 12), ("%Y%m%d", 8)):
        if len(digits) >= size:
            try:
                return datetime.datetime.strptime(digits[:size], fmt).isoformat()
            except ValueError:
                continue
    return ""
