"""A few internal messages and tasks between the demo users."""

import datetime

from intramuros.messaging.services import message_send, task_create

SUBJECTS = [
    ("Rappeler pour résultats", "Le laboratoire a appelé : résultats à commenter avec le patient."),
    ("Renouvellement demandé", "Demande de renouvellement d'ordonnance déposée à l'accueil."),
    ("Retard", "Le patient prévient qu'il aura 15 minutes de retard."),
]


def populate(ctx):
    bob = ctx.users["bob"]
    for i, (subject, body) in enumerate(SUBJECTS):
        doctor = ctx.practitioners[i % len(ctx.practitioners)]
        message_send(sender=bob, recipients=[doctor], subject=subject, body=body, patient=ctx.patients[i % len(ctx.patients)])
    for i, doctor in enumerate(ctx.practitioners):
        task_create(creator=doctor, assignee=bob, title="Rappeler le patient pour fixer un rendez-vous",
                    patient=ctx.patients[(10 + i) % len(ctx.patients)], due_date=ctx.today + datetime.timedelta(days=i + 1))
