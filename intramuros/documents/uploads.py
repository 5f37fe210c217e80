"""Checking a received file by its content: never trust a name, an extension or a browser's claim."""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from intramuros.core.env import env_int
from intramuros.documents.storage import sniff_content_type

ACCEPTED = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class UploadRefused(ValueError):
    """Why a file cannot be kept, in one sentence saying what to do."""


def max_upload_bytes() -> int:
    """INTRAMUROS_UPLOAD_MAX_MB (default 20); tests may override with settings.DOCUMENTS_MAX_UPLOAD_BYTES."""
    override = getattr(settings, "DOCUMENTS_MAX_UPLOAD_BYTES", None)
    if override:
        return int(override)
    return env_int("INTRAMUROS_UPLOAD_MAX_MB", DEFAULT_MAX_BYTES // (1024 * 1024), minimum=1, maximum=500) * 1024 * 1024


def check_content(data: bytes, *, name: str = "") -> str:
    """Return the content type of an acceptable document, or raise UploadRefused."""
    label = name or _("the file")
    if not data:
        raise UploadRefused(_("%(name)s is empty: choose the file again, or scan the document again.")
                            % {"name": label})
    limit = max_upload_bytes()
    if len(data) > limit:
        raise UploadRefused(_("%(name)s is too large (%(size)s; at most %(limit)s): scan it at a lower resolution "
                              "or in black and white.") % {"name": label, "size": filesizeformat(len(data)),
                                                           "limit": filesizeformat(limit)})
    content_type = sniff_content_type(data)
    if content_type not in ACCEPTED:
        raise UploadRefused(_("%(name)s is not a PDF, JPEG or PNG file (whatever its name says): save or scan it "
                              "in one of these formats.") % {"name": label})
    if content_type == "application/pdf":
        _check_pdf(data, label)
    else:
        _check_image(data, label, content_type)
    return content_type


def _check_image(data: bytes, label: str, content_type: str) -> None:
    from PIL import Image, UnidentifiedImageError

    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                raise UploadRefused(_("%(name)s claims to be an image but is not one: save it again as PDF, JPEG "
                                      "or PNG.") % {"name": label})
            image.verify()
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadRefused(_("%(name)s is a damaged or incomplete %(format)s image: scan or save it again.")
                            % {"name": label, "format": ACCEPTED[content_type]}) from None


def _check_pdf(data: bytes, label: str) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs every oddity of real-world scans; only a failure to read matters here.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRefused(_("%(name)s is a password-protected PDF: save an unprotected copy and add that "
                                  "one.") % {"name": label})
        if len(reader.pages) < 1:
            raise UploadRefused(_("%(name)s is a PDF without any page.") % {"name": label})
    except UploadRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError):
        raise UploadRefused(_("%(name)s starts like a PDF but cannot be read (damaged or truncated): save or scan "
                              "it again.") % {"name": label}) from None
