"""Serving decrypted files to the browser: right content type, inline or attachment, framable by our pages only."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_sameorigin

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# The file itself is shown inside our own page (iframe): framing by ourselves only, nothing executable.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; " \
           "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"


def file_response(data: bytes, *, content_type: str, title: str, download: bool = False) -> HttpResponse:
    if content_type not in EXTENSIONS:
        content_type, download = "application/octet-stream", True  # never render unknown bytes in the page
    name = f"{slugify(title)[:80] or 'document'}.{EXTENSIONS.get(content_type, 'bin')}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{name}"'
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def framable(view):
    return xframe_options_sameorigin(view)
