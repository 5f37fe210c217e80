"""Demo data: a directory of correspondents, linked to the demo patients."""

from __future__ import annotations

from simple_history.utils import bulk_create_with_history

from intramuros.patients.models import Correspondent, CorrespondentRole, PatientCorrespondent

SPECIALTIES = [
    ("Médecine générale", CorrespondentRole.TREATING), ("Médecine générale", CorrespondentRole.TREATING),
    ("Médecine générale", CorrespondentRole.TREATING), ("Cardiologie", CorrespondentRole.SPECIALIST),
    ("Dermatologie", CorrespondentRole.SPECIALIST), ("Endocrinologie", CorrespondentRole.SPECIALIST),
    ("Gastro-entérologie", CorrespondentRole.SPECIALIST), ("Ophtalmologie", CorrespondentRole.SPECIALIST),
    ("Oto-rhino-laryngologie", CorrespondentRole.SPECIALIST), ("Pneumologie", CorrespondentRole.SPECIALIST),
    ("Rhumatologie", CorrespondentRole.SPECIALIST), ("Psychiatrie", CorrespondentRole.SPECIALIST),
    ("Masseur-kinésithérapeute", CorrespondentRole.PARAMEDICAL), ("Infirmier", CorrespondentRole.PARAMEDICAL),
    ("Pharmacien", CorrespondentRole.PHARMACIST),
]


def populate(ctx) -> None:
    rng, fake = ctx.rng, ctx.fake
    people = []
    for specialty, role in SPECIALTIES:
        last = fake.last_name()
        first = fake.first_name()
        slug = f"{first}.{last}".lower().replace(" ", "-")
        people.append((role, Correspondent(
            title="Dr" if role in (CorrespondentRole.TREATING, CorrespondentRole.SPECIALIST) else "",
            last_name=last, first_name=first, specialty=specialty, rpps=f"10{rng.randint(0, 10**9 - 1):09d}",
            address=fake.street_address(), postal_code="67000", city="Strasbourg",
            phone="03 88 " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(3)),
            mssante_email=f"{slug}@medecin.mssante.fr" if role != CorrespondentRole.PHARMACIST else "",
            email=f"{slug}@example.org" if rng.random() < 0.5 else "",
            preferred_email="mssante" if role != CorrespondentRole.PHARMACIST else "email",
        )))
    for _role, correspondent in people:
        correspondent.save()  # save() fills the folded search column
    treating = [c for role, c in people if role == CorrespondentRole.TREATING]
    others = [(role, c) for role, c in people if role != CorrespondentRole.TREATING]
    links = []
    for patient in ctx.patients:
        # Patients followed here mostly have a practitioner of the practice as treating physician; some
        # (replacements, new arrivals) have an outside one.
        if rng.random() < 0.25:
            links.append(PatientCorrespondent(patient=patient, correspondent=rng.choice(treating),
                                              role=CorrespondentRole.TREATING))
        for role, correspondent in rng.sample(others, k=rng.choice([0, 0, 1, 1, 2])):
            links.append(PatientCorrespondent(patient=patient, correspondent=correspondent, role=role))
    bulk_create_with_history(links, PatientCorrespondent, batch_size=500)
