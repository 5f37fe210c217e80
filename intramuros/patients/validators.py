"""Validation of identity fields: NIR with its key, phones, names, birth dates, photos."""

from __future__ import annotations

import datetime
import io
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exc
from stdnum.fr import nir as stdnum_nir

PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_SIDE = 400  # stored photos are re-encoded to at most this many pixels per side
OLDEST_BIRTH = datetime.date(1890, 1, 1)


def normalise_nir(value: str) -> str:
    return stdnum_nir.compact(value or "")


def validate_nir(value: str) -> None:
    """A NIR of 15 characters whose key (last 2 digits) matches, Corsica (2A/2B) included."""
    if not value:
        return
    try:
        stdnum_nir.validate(value)
    except stdnum_exc.InvalidLength:
        raise ValidationError(_("A social-security number has 15 characters (13 and a 2-digit key): "
                                "check that none is missing."), code="nir_length") from None
    except stdnum_exc.InvalidChecksum:
        raise ValidationError(_("The key of this social-security number does not match: check the digits "
                                "against the carte Vitale."), code="nir_key") from None
    except stdnum_exc.ValidationError:
        raise ValidationError(_("This is not a social-security number: digits only, except 2A or 2B for "
                                "Corsica at the 6th and 7th places."), code="nir_format") from None


def validate_birth_date(value: datetime.date) -> None:
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("The birth date is in the future: check the year."), code="birth_future")
    if value < OLDEST_BIRTH:
        raise ValidationError(_("The birth date is before 1890: check the year."), code="birth_too_old")


def validate_printable(value: str) -> None:
    """Refuse control and invisible formatting characters (pasted from elsewhere, or forged)."""
    if not value:
        return
    for ch in value:
        if ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            raise ValidationError(_("This text contains an invisible control character: retype it."),
                                  code="control_char")


def validate_single_line(value: str) -> None:
    if value and any(ch in value for ch in "\n\r\t"):
        raise ValidationError(_("Write this on one line."), code="multi_line")


_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.’][^\W\d_]+)*\.?$")


def validate_name(value: str) -> None:
    """Letters (any alphabet), with single spaces, hyphens, apostrophes or dots between them."""
    if not value:
        return
    validate_printable(value)
    validate_single_line(value)
    if not _NAME_CHARS.match(value.strip()):
        raise ValidationError(_("A name holds letters, spaces, hyphens and apostrophes only, no digits."),
                              code="name_chars")


_PHONE_ALLOWED = re.compile(r"^\+?[\d\s.\-()/]+$")


def normalise_phone(value: str) -> str:
    """French numbers as '06 12 34 56 78' (from +33, 0033 or separators); others as '+<digits>'.

    Raises ValidationError when the text is not a phone number.
    """
    text = (value or "").strip()
    if not text:
        return ""
    if not _PHONE_ALLOWED.match(text):
        raise ValidationError(_("A phone number holds digits, spaces, dots or dashes, and may start with +."),
                              code="phone_chars")
    digits = "".join(ch for ch in text if ch.isdigit())
    international = text.startswith("+") or digits.startswith("00")
    if international:
        digits = digits[2:] if digits.startswith("00") else digits
        if digits.startswith("33"):
            digits = "0" + digits[2:].lstrip("0")
            international = False
    if not international:
        if len(digits) != 10 or not digits.startswith("0"):
            raise ValidationError(_("A French phone number has 10 digits starting with 0, e.g. 06 12 34 56 78."),
                                  code="phone_length")
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    if not 6 <= len(digits) <= 15:
        raise ValidationError(_("An international number has 6 to 15 digits after +."), code="phone_length")
    return "+" + digits


def phone_digits(value: str) -> str:
    """The digits searched for: national form for French numbers ('0612345678')."""
    return "".join(ch for ch in (value or "") if ch.isdigit())


def validate_rpps(value: str) -> None:
    if value and not (len(value) == 11 and value.isdigit()):
        raise ValidationError(_("An RPPS number has exactly 11 digits."), code="rpps")


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """Check an uploaded photo by its content and re-encode it as a small JPEG (drops metadata, tames size).

    Returns (jpeg bytes, "image/jpeg"); raises ValidationError if it is not a usable picture.
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo is larger than 2 MB: choose a smaller picture."), code="photo_size")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in PHOTO_FORMATS:
            raise ValidationError(_("The photo must be a JPEG, PNG or WebP picture."), code="photo_type")
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > 40_000_000:
                raise ValidationError(_("The photo is too large in pixels: choose a smaller picture."),
                                      code="photo_pixels")
            img = img.convert("RGB")
            img.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("This file is not a picture that can be read: use a JPEG, PNG or WebP photo."),
                              code="photo_unreadable") from None
    return out.getvalue(), "image/jpeg"
