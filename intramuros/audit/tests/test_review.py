"""The administrator's review screen, its unusual-access flags, and the patient's "who accessed my file"."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from intramuros import audit
from intramuros.audit.models import AuditEvent
from intramuros.audit.selectors import events, find_bursts
from intramuros.patients.access import patient_for_user
from intramuros.testing.personas import make_patient

pytestmark = pytest.mark.django_db


def test_review_screen_needs_audit_capability(client, bob_secretary, dr_charlie, admin_eve):
    url = reverse("audit:index")
    assert client.get(url).status_code == 302
    client.force_login(bob_secretary)
    assert client.get(url).status_code == 403
    client.force_login(dr_charlie)
    assert client.get(url).status_code == 403
    client.force_login(admin_eve)
    assert client.get(url).status_code == 200


def test_review_filters_by_user_patient_action_and_period(client, admin_eve, dr_alice, dr_charlie,
                                                          jeanne_martin, paul_durand):
    patient_for_user(dr_alice, jeanne_martin.pk, part="summary")
    patient_for_user(dr_charlie, paul_durand.pk, part="summary")
    audit.record(actor=dr_alice, action="billing.invoice.created", patient=jeanne_martin)
    client.force_login(admin_eve)
    page = client.get(reverse("audit:index"), {"user": dr_alice.pk, "action": "patients."})
    rows = list(page.context["page"].object_list)
    assert rows and all(r.actor_id == dr_alice.pk and r.action.startswith("patients.") for r in rows)
    page = client.get(reverse("audit:index"), {"patient": paul_durand.pk})
    assert {r.patient_id for r in page.context["page"].object_list} == {paul_durand.pk}
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = client.get(reverse("audit:index"), {"since": tomorrow.isoformat()})
    assert list(page.context["page"].object_list) == []
    # The review itself is logged, with its filters.
    assert AuditEvent.objects.filter(action="audit.log.viewed", actor=admin_eve).count() == 3


def test_bad_filters_say_what_is_wrong(client, admin_eve):
    client.force_login(admin_eve)
    page = client.get(reverse("audit:index"), {"since": "2026-05-02", "until": "2026-05-01", "patient": "abc"})
    assert page.status_code == 200
    assert page.context["form"].errors["until"] and page.context["form"].errors["patient"]


def test_review_is_paginated(client, admin_eve):
    for i in range(60):
        audit.record(actor=admin_eve, action="test.thing.viewed", patient=i)
    client.force_login(admin_eve)
    first = client.get(reverse("audit:index"))
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("audit:index"), {"page": 2})
    assert second.context["page"].number == 2 and len(second.context["page"].object_list) >= 10


def test_many_files_in_a_short_time_are_flagged(dr_alice):
    for _ in range(16):
        patient = make_patient(birth_name="Burst", referring_practitioner=dr_alice)
        patient_for_user(dr_alice, patient.pk, part="identity")
    bursts, rows = find_bursts(events())
    assert len(bursts) == 1 and bursts[0].actor_id == dr_alice.pk and bursts[0].patients >= 15
    assert len(rows) == 16


def test_same_surname_and_night_flags(client, admin_eve, dr_alice):
    cousin = make_patient(birth_name="Bernard", first_names="Luc", referring_practitioner=dr_alice)
    patient_for_user(dr_alice, cousin.pk, part="summary")
    night = audit.record(actor=dr_alice, action="patients.identity.viewed", patient=cousin)
    local_night = timezone.localtime().replace(hour=2, minute=30)
    from django.db import connection

    with connection.cursor() as cursor:  # simulate an access at 02:30 (the row's hash is not re-checked here)
        cursor.execute("UPDATE audit_auditevent SET at = %s WHERE id = %s", [local_night, night.pk])
    client.force_login(admin_eve)
    page = client.get(reverse("audit:index"), {"patient": cousin.pk})
    flags = {e.pk: [code for code, _ in e.flags] for e in page.context["page"].object_list}
    assert "night" in flags[night.pk]
    read = AuditEvent.objects.get(action="patients.summary.viewed", patient_id=cousin.pk)
    assert "same_surname" in flags[read.pk]


def test_who_accessed_my_file_report_and_pdf(client, admin_eve, dr_alice, dr_charlie, jeanne_martin):
    patient_for_user(dr_alice, jeanne_martin.pk, part="summary")
    patient_for_user(dr_charlie, jeanne_martin.pk, part="identity")
    client.force_login(admin_eve)
    page = client.get(reverse("audit:patient_report", kwargs={"patient_id": jeanne_martin.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Alice Bernard" in html and "Charles Lemaire" in html
    pdf = client.get(reverse("audit:patient_report_pdf", kwargs={"patient_id": jeanne_martin.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="audit.patient_report.printed", patient_id=jeanne_martin.pk).exists()
    missing = client.get(reverse("audit:patient_report", kwargs={"patient_id": 999999}))
    assert missing.status_code == 404


def test_plain_pdf_fallback_fetches_nothing(dr_alice, jeanne_martin, monkeypatch):
    """Without the documents app's renderer, the report still prints, refusing every URL."""
    import sys

    from intramuros.audit.views import render_report_pdf

    monkeypatch.setitem(sys.modules, "intramuros.documents.pdf", None)
    pdf = render_report_pdf({"patient": jeanne_martin, "rows": [], "generated_at": timezone.now(),
                             "generated_by": dr_alice, "document_title": "t"})
    assert pdf.startswith(b"%PDF-")


def test_review_answers_who_searched_for_a_name(client, admin_eve, dr_alice, bob_secretary):
    from intramuros.patients.selectors import patient_search

    patient_search(user=dr_alice, text="Lefèvre Paul")
    patient_search(user=bob_secretary, text="martin")
    audit.record(actor=dr_alice, action="test.thing.viewed", note="lefèvre")  # not a search: not listed
    client.force_login(admin_eve)
    page = client.get(reverse("audit:index"), {"searched": "lefèvre"})
    rows = list(page.context["page"].object_list)
    assert [(r.actor_id, r.detail["query"]) for r in rows] == [(dr_alice.pk, "Lefèvre Paul")]
    assert "Lefèvre Paul" in page.content.decode()
    page = client.get(reverse("audit:index"), {"searched": "MARTIN"})
    assert [r.actor_id for r in page.context["page"].object_list] == [bob_secretary.pk]


def test_flagged_rows_are_listed_from_their_own_index(dr_alice, jeanne_martin):
    for i in range(30):
        audit.record(actor=dr_alice, action="patients.summary.viewed", patient=jeanne_martin, flagged=i % 10 == 0)
    listed = events(flagged_only=True)
    assert [e.flagged for e in listed] == [True] * 3
    assert [e.seq for e in listed] == sorted((e.seq for e in listed), reverse=True)
    if connection.vendor == "sqlite":  # the partial index holds only the flagged rows, in the order listed
        with connection.cursor() as cursor:
            sql, params = events(flagged_only=True)[:50].query.sql_with_params()
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            assert "audit_flagged_seq" in " ".join(str(row[-1]) for row in cursor.fetchall())
