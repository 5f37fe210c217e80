"""Demo data: the practice letterhead, the shipped templates, a few letters, documents and one scan to file."""

from __future__ import annotations

import datetime
import io

from intramuros.documents import services
from intramuros.documents.models import LetterTemplate
from intramuros.documents.pdf import html_to_pdf
from intramuros.documents.shipped import install_shipped


def _logo_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 116, 116), fill="#2b6cb0")
    draw.rectangle((50, 24, 70, 96), fill="white")
    draw.rectangle((24, 50, 96, 70), fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _scan_png(text: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (620, 877), 250)
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), text, fill=20)
    for y in range(100, 700, 24):
        draw.line((40, y, 580, y), fill=180)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def populate(ctx) -> None:
    install_shipped(LetterTemplate)
    alice = ctx.users.get("alice") or ctx.practitioners[0]
    services.letterhead_save(
        actor=alice, name=ctx.practice.name, address=ctx.practice.address, phone=ctx.practice.phone,
        email=ctx.practice.email, extra="Conventionné secteur 1 · Sur rendez-vous",
        footer="En cas d'urgence, appelez le 15.", logo=_logo_png())
    templates = {t.code: t for t in LetterTemplate.objects.exclude(code="")}
    patients = ctx.patients[:6]
    for index, patient in enumerate(patients[:4]):
        author = ctx.rng.choice(ctx.practitioners)
        template = templates["referral" if index % 2 == 0 else "certificate"]
        letter = services.letter_create(author=author, patient=patient, template=template)
        if index < 2:
            services.letter_print(actor=author, letter=letter)
    for patient in patients[4:6]:
        report = html_to_pdf(
            f"<h1>Compte rendu d'hospitalisation</h1><p>Patient : {patient}</p>"
            "<p>Séjour du 3 au 7 mars. Évolution favorable. Retour à domicile.</p>")
        services.document_upload(actor=alice, patient=patient, data=report, name="compte-rendu.pdf",
                                 title="Compte rendu d'hospitalisation", category="hospital",
                                 document_date=ctx.today - datetime.timedelta(days=ctx.rng.randint(5, 200)))
        services.document_upload(actor=alice, patient=patient, data=_scan_png("Bilan biologique"),
                                 name="bilan.png", title="Bilan biologique", category="lab",
                                 document_date=ctx.today - datetime.timedelta(days=ctx.rng.randint(1, 60)))
    services.inbox_receive(data=_scan_png("Courrier reçu"), name="scan-0001.png")
