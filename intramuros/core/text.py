"""Text helpers shared by search and duplicate detection."""

import re
import unicodedata

_SPACES = re.compile(r"[\s\-']+")


def fold(text: str) -> str:
    """Lower-case, accents removed, hyphens and apostrophes as spaces: 'Lefèvre-D'Aubigné' -> 'lefevre d aubigne'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain.casefold()).strip()


def validation_text(exc) -> str:
    """A ValidationError as one line: "field: message; other: message" (or its messages when not per field)."""
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)
