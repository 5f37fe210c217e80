"""Small valid and invalid files built in memory for the tests."""

import functools
import io

from PIL import Image


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#2b6cb0").save(out, format="PNG")
    return out.getvalue()


def jpeg(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#aa3300").save(out, format="JPEG")
    return out.getvalue()


def pdf(text="Compte rendu") -> bytes:
    from intramuros.documents.pdf import html_to_pdf

    return html_to_pdf(f"<p>{text}</p>")


@functools.cache
def small_pdf() -> bytes:
    return pdf("Compte rendu de biologie")
