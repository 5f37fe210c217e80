"""What the letterhead of a PDF shows, resolved from the Letterhead rows, the practice and the practitioner."""

from __future__ import annotations

import base64

from intramuros.core import rowcache
from intramuros.core.models import Practice

# How old a process's copy of a letterhead may be when no save was seen (a second site's processes, reading
# a replica, see no save): a letterhead changed at the main site prints there within a minute.
MAX_AGE = 60.0


def _logo_data_uri(stored) -> str:
    # Embedded as a data: URI so that the PDF renderer never needs to fetch anything.
    from intramuros.documents.storage import StoreError, read_bytes

    try:
        data = read_bytes(stored)
    except StoreError:
        return ""
    return f"data:{stored.content_type};base64,{base64.b64encode(data).decode()}"


def letterhead_for(practitioner=None) -> dict:
    """The letterhead values for `practitioner` (or the practice's alone), as plain strings."""
    pk = getattr(practitioner, "pk", None)
    # The rows change seldom and every print reads them (the logo decrypted): kept per process (rowcache).
    result = dict(rowcache.get(f"letterhead:{pk or 0}", lambda: _letterhead_rows(pk), max_age=MAX_AGE))
    if practitioner is not None:
        result["practitioner"] = {
            "name": practitioner.display_name,
            "specialty": practitioner.specialty,
            "rpps": practitioner.rpps,
            "address": practitioner.address,
            "phone": practitioner.phone,
        }
    return result


def _letterhead_rows(practitioner_id: int | None) -> dict:
    """The practice's letterhead, overridden field by field by the practitioner's own."""
    from intramuros.documents.models import Letterhead

    practice = Practice.current()
    general = Letterhead.objects.filter(practitioner__isnull=True).select_related("logo").order_by("pk").first()
    own = None
    if practitioner_id:
        own = Letterhead.objects.filter(practitioner_id=practitioner_id).select_related("logo").first()

    def pick(field: str, fallback: str = "") -> str:
        for row in (own, general):
            value = getattr(row, field, "") if row else ""
            if value:
                return value
        return fallback

    logo = (own.logo if own and own.logo_id else None) or (general.logo if general and general.logo_id else None)
    return {
        "name": pick("name", practice.name if practice else ""),
        "address": pick("address", practice.address if practice else ""),
        "phone": pick("phone", practice.phone if practice else ""),
        "email": pick("email", practice.email if practice else ""),
        "extra": pick("extra"),
        "footer": pick("footer"),
        "logo": _logo_data_uri(logo) if logo else "",
        "practitioner": None,
    }
