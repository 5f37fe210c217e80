"""PDF rendering with WeasyPrint, never fetching anything beyond the app's own static files.

Templates extend "documents/pdf/base.html" (the letterhead, page numbers, A4/A5, duplicate watermark):
    {% extends "documents/pdf/base.html" %}
    {% block content %}...{% endblock %}
Context keys understood by the base: `practitioner` (a User; its letterhead is filled in for you unless
`letterhead` is given), `page_size` ("A4" default or "A5"), `duplicate` (True: "DUPLICATE" watermark),
`document_title` (PDF metadata title), `patient` (optional; shown by your own template).
"""

from __future__ import annotations

import base64
import functools
import logging
import mimetypes
import threading
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)
# WeasyPrint logs every rendering step at INFO: keep the server's log for what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# A base URL nobody can resolve: relative URLs such as "/static/x.css" get an absolute form that the
# fetcher recognises as ours; any other host is refused before any socket is opened.
BASE_URL = "https://intramuros.pdf.invalid/"
PAGE_SIZES = {"A4", "A5"}


class LocalOnlyFetcher:
    """Serves /static/... from the staticfiles finders and data: URIs; refuses everything else."""

    def __call__(self, url: str):
        return self.fetch(url)

    def fetch(self, url: str, headers=None):
        from weasyprint.urls import URLFetcherResponse

        if url.startswith("data:"):
            return URLFetcherResponse(url, _decode_data_uri(url), {"Content-Type": _data_uri_type(url)})
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        static_url = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
        if parts.scheme != base.scheme or parts.netloc != base.netloc or not parts.path.startswith(static_url):
            logger.warning("PDF rendering refused to fetch %s: only the application's static files are used", url)
            raise ValueError(f"refused to fetch {url}: PDFs only use the application's own static files")
        relative = unquote(parts.path[len(static_url):])
        found = finders.find(relative) if ".." not in relative.split("/") else None
        if not found:
            raise ValueError(f"static file {relative} not found")
        with open(found, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    # WeasyPrint's fetch() helper reads this attribute when a fetch fails: a refused URL is a warning, not fatal.
    _fail_on_errors = False


def _data_uri_type(url: str) -> str:
    header = url[5:].split(",", 1)[0]
    return header.split(";", 1)[0] or "text/plain"


def _decode_data_uri(url: str) -> bytes:
    header, _, payload = url[5:].partition(",")
    if header.endswith(";base64"):
        return base64.b64decode(payload)
    return unquote(payload).encode()


_fonts = threading.local()


def _font_config():
    """One WeasyPrint font configuration per thread, kept for the life of the process.

    Building one scans every installed font (Fontconfig) and starts an empty Pango font map, so a fresh one
    per PDF costs about a quarter of the render. It is per thread because a Pango font map must not be used by
    two threads at once. Fonts installed on the system later are seen after a restart.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """Already-rendered HTML to PDF bytes (local files only, see LocalOnlyFetcher)."""
    from weasyprint import HTML

    font_config = _font_config()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=LocalOnlyFetcher()).write_pdf(font_config=font_config)


def pdf_context(context: dict) -> dict:
    """The context with the letterhead and page size filled in, as the base template expects."""
    from intramuros.documents.letterheads import letterhead_for

    full = dict(context)
    size = str(full.get("page_size") or "A4").upper()
    full["page_size"] = size if size in PAGE_SIZES else "A4"
    if "letterhead" not in full:
        full["letterhead"] = letterhead_for(full.get("practitioner"))
    return full


def render_pdf(*, template_name: str, context: dict, request=None) -> bytes:
    """Render a Django template (extending documents/pdf/base.html) to PDF bytes.

    The PDF is in the practice's language (INTRAMUROS_LANGUAGE), or `context["language"]`, whatever the
    language of the screen of whoever prints it: the paper is for the patient and the correspondents.
    """
    from django.utils import translation

    with translation.override(context.get("language") or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, pdf_context(context), request=request)
    return html_to_pdf(html)


def pdf_mark_duplicate(pdf: bytes, *, label: str = "") -> bytes:
    """The same PDF with a "DUPLICATE" watermark stamped on every page (the original bytes stay untouched)."""
    import io

    from django.utils import translation
    from django.utils.html import escape
    from django.utils.translation import gettext
    from pypdf import PdfReader, PdfWriter

    with translation.override(settings.LANGUAGE_CODE):  # the practice's language, like the original
        text = escape(label or gettext("DUPLICATE"))
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    stamps: dict[tuple[float, float], object] = {}
    for page in writer.pages:
        size = (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))
        if size not in stamps:
            stamps[size] = PdfReader(io.BytesIO(_stamp(size, text))).pages[0]
        page.merge_page(stamps[size])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def _stamp(size: tuple[float, float], text: str) -> bytes:
    """The watermark page of a page size and label, rendered once per process (half of a reprint's time)."""
    html = (
        f"<html><head><style>@page {{ size: {size[0]}pt {size[1]}pt; margin: 0; }}"
        "body { margin: 0; } div { position: absolute; top: 42%; width: 100%; text-align: center;"
        " font-family: 'DejaVu Sans', sans-serif; font-size: 56pt; font-weight: bold;"
        " color: rgba(200, 30, 30, 0.22); transform: rotate(-30deg); letter-spacing: 4pt; }"
        f"</style></head><body><div>{text}</div></body></html>"
    )
    return html_to_pdf(html)
