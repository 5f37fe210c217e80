"""The actions of bench/run.py's mix as in-process requests (Django's test client), for the in-process benchmarks.

`mix_pages(client, n, slots=...)` logs `client` in as alice and returns {action: fn(i)} for i in range(n): page i
of an action reads the i-th of n recent consultations' patients, so that runs of the same n read the same
rows. Every print consumes one never-printed prescription (a reprint is another path): there are n + 2 of
them (a warm-up, the runs, one more call). Bookings draw their slots from `slots`.
"""

from __future__ import annotations

import datetime
import random
import time


def mix_pages(client, n: int, *, slots: random.Random) -> dict:
    from intramuros.accounts.models import User
    from intramuros.agenda.models import Calendar
    from intramuros.clinical.models import Consultation
    from intramuros.prescriptions.models import Prescription

    client.force_login(User.objects.get(username="alice"))
    consultations = list(Consultation.objects.order_by("-pk").values_list("pk", "patient_id")[100:100 + n])
    cal = Calendar.objects.filter(practitioner__username="alice").values_list("pk", flat=True).first()
    unprinted = iter(Prescription.objects.filter(lines__isnull=False, prints__isnull=True).order_by("-pk")
                     .values_list("pk", "patient_id").distinct()[:n + 2])

    def print_prescription(_i):
        pk, patient = next(unprinted)
        response = client.post(f"/prescriptions/patient/{patient}/{pk}/print/", {})
        return client.get(response["Location"]) if response.status_code == 302 else response

    def book_appointment(i):
        day = datetime.date.today() + datetime.timedelta(days=slots.randint(200, 2000))
        day -= datetime.timedelta(days=max(0, day.weekday() - 4))  # a working day
        return client.post("/agenda/new/", {
            "calendar": cal, "date": day.isoformat(), "patient": consultations[i][1], "duration": "10",
            "time": f"{slots.choice([9, 10, 11, 14, 15, 16, 17]):02d}:{slots.choice(range(0, 50, 5)):02d}",
            "note": "banc d'essai", "interval": "1"})

    return {
        "search": lambda i: client.get("/patients/search/", {"q": ["mar", "dub", "ber", "lef", "rou"][i % 5]},
                                       HTTP_HX_REQUEST="true"),
        "summary": lambda i: client.get(f"/clinical/p/{consultations[i][1]}/"),
        "consultation": lambda i: client.get(f"/clinical/p/{consultations[i][1]}/consultations/{consultations[i][0]}/"),
        "agenda_week": lambda i: client.get("/agenda/week/", {"cal": cal}),
        "save_consultation": lambda i: client.post(
            f"/clinical/p/{consultations[i][1]}/consultations/new/?form=",
            {"at": time.strftime("%Y-%m-%dT%H:%M"), "reason": "Banc d'essai", "weight_kg": "72.5"}),
        "book_appointment": book_appointment,
        "print_prescription": print_prescription,  # the POST that makes the PDF and the GET that reads it
    }


def cache_emptier(client):
    """A function that commits a write through another connection, as the server's other processes do all day:
    the next read of `client`'s connection starts with an empty page cache (embedded database)."""
    from django.db import connections

    other = connections.create_connection("default")
    session_key = client.session.session_key

    def empty_cache():
        with other.cursor() as cursor:  # rewrites the session row as it is
            cursor.execute("UPDATE django_session SET expire_date = expire_date WHERE session_key = %s",
                           [session_key])

    return empty_cache
