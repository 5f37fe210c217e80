"""The templates shipped with Intramuros (French): installed by a data migration, then the practice's own."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "templates" / "documents" / "shipped"

# code, name, kind, title, page size
SHIPPED = [
    ("referral", "Lettre d'adressage", "letter", "Lettre d'adressage – {{ patient.name }}", "A4"),
    ("certificate", "Certificat médical", "certificate", "Certificat médical – {{ patient.name }}", "A5"),
    ("sports-certificate", "Certificat de non contre-indication au sport", "certificate",
     "Certificat sport – {{ patient.name }}", "A5"),
    ("sick-note", "Certificat d'arrêt de travail", "sick_note", "Arrêt de travail – {{ patient.name }}", "A5"),
]


def shipped_templates() -> list[dict]:
    return [
        {"code": code, "name": name, "kind": kind, "title": title, "page_size": size,
         "body": (HERE / f"{code}.html").read_text(encoding="utf-8")}
        for code, name, kind, title, size in SHIPPED
    ]


def install_shipped(model) -> int:
    """Create the shipped templates the practice does not have yet (by code); returns how many were added."""
    added = 0
    for values in shipped_templates():
        if not model._default_manager.filter(code=values["code"]).exists():
            model._default_manager.create(**values)
            added += 1
    return added
