"""Internal messages and tasks: who sees what, replies, unread count, audit."""

import re

import pytest
from django.urls import reverse

from intramuros.audit.models import AuditEvent
from intramuros.messaging import selectors, services
from intramuros.messaging.models import Delivery

pytestmark = pytest.mark.django_db


def test_secretary_sends_a_message_about_a_patient_and_doctor_reads_it(client, bob_secretary, dr_alice,
                                                                         jeanne_martin):
    client.force_login(bob_secretary)
    response = client.post(reverse("messaging:compose") + f"?patient={jeanne_martin.pk}", {
        "recipients": [dr_alice.pk], "subject": "Rappeler", "body": "Résultats arrivés", "priority": "urgent"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="messaging.message.sent", patient_id=jeanne_martin.pk).exists()
    assert selectors.unread_count(user=dr_alice) == 1

    client.force_login(dr_alice)
    home = client.get(reverse("core:home")).content.decode()
    assert 'class="badge danger"' in home
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert "Rappeler" in inbox and str(jeanne_martin) in inbox
    message = selectors.inbox(user=dr_alice)[0].message
    assert client.get(reverse("messaging:thread", args=[message.pk])).status_code == 200
    assert selectors.unread_count(user=dr_alice) == 0
    read = AuditEvent.objects.filter(action="messaging.message.viewed").latest("seq")
    assert (read.actor, read.patient_id, read.target_id) == (dr_alice, jeanne_martin.pk, str(message.pk))


def test_reading_a_conversation_is_audited_each_time(client, bob_secretary, dr_alice):
    message = services.message_send(sender=bob_secretary, recipients=[dr_alice], subject="Planning", body="x")
    client.force_login(dr_alice)
    for _ in range(2):
        assert client.get(reverse("messaging:thread", args=[message.pk])).status_code == 200
    reads = AuditEvent.objects.filter(action="messaging.message.viewed", actor=dr_alice)
    assert reads.count() == 2 and {r.patient_id for r in reads} == {None}


def test_reply_goes_back_to_the_sender_in_the_same_thread(bob_secretary, dr_alice, dr_charlie):
    first = services.message_send(sender=bob_secretary, recipients=[dr_alice, dr_charlie], subject="Réunion",
                                  body="Jeudi ?")
    reply = services.message_reply(sender=dr_alice, to=first, body="D'accord")
    assert reply.thread == first
    assert reply.subject == "Re: Réunion"
    assert set(Delivery.objects.filter(message=reply).values_list("recipient__username", flat=True)) == {
        "bob", "charlie"}


def test_a_user_cannot_read_someone_elses_conversation(client, bob_secretary, dr_alice, dr_charlie):
    message = services.message_send(sender=bob_secretary, recipients=[dr_alice], subject="Privé", body="x")
    client.force_login(dr_charlie)
    assert client.get(reverse("messaging:thread", args=[message.pk])).status_code == 404


def test_message_without_recipient_is_refused(client, dr_alice):
    client.force_login(dr_alice)
    response = client.post(reverse("messaging:compose"), {"subject": "x", "body": "y", "priority": "normal"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode() or 'class="error"' in response.content.decode()


def test_tasks_are_assigned_listed_and_completed(client, dr_alice, bob_secretary, jeanne_martin):
    client.force_login(dr_alice)
    response = client.post(reverse("messaging:task_new") + f"?patient={jeanne_martin.pk}", {
        "title": "Rappeler Mme Martin", "assignee": bob_secretary.pk, "due_date": "2026-12-01"})
    assert response.status_code == 302
    task = selectors.tasks_for(user=bob_secretary).get()
    assert task.patient == jeanne_martin
    client.force_login(bob_secretary)
    assert "Rappeler Mme Martin" in client.get(reverse("messaging:inbox")).content.decode()
    client.post(reverse("messaging:task_toggle", args=[task.pk]))
    assert not selectors.tasks_for(user=bob_secretary).exists()
    # Someone else's task cannot be ticked off.
    client.force_login(dr_alice)
    assert client.post(reverse("messaging:task_toggle", args=[task.pk])).status_code == 404


def test_patient_file_lists_messages_visible_to_the_user(client, bob_secretary, dr_alice, dr_charlie, jeanne_martin):
    services.message_send(sender=bob_secretary, recipients=[dr_alice], subject="Pour Alice", body="x",
                          patient=jeanne_martin)
    client.force_login(dr_alice)
    page = client.get(reverse("messaging:patient_messages", args=[jeanne_martin.pk])).content.decode()
    assert "Pour Alice" in page
    client.force_login(dr_charlie)
    page = client.get(reverse("messaging:patient_messages", args=[jeanne_martin.pk])).content.decode()
    assert "Pour Alice" not in page


def test_administrator_without_clinical_access_still_uses_messages(client, admin_eve, dr_alice):
    client.force_login(admin_eve)
    assert client.get(reverse("messaging:inbox")).status_code == 200


def test_unread_count_is_counted_only_by_pages_that_show_it(client, bob_secretary, dr_alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.message_send(sender=bob_secretary, recipients=[dr_alice], subject="Rappel", body="Appeler")
    client.force_login(dr_alice)
    home = client.get(reverse("core:home")).content.decode()
    assert re.search(r'class="badge danger" title="[^"]+">1</span>', home)  # the navigation's badge
    with CaptureQueriesContext(connection) as partial:
        assert client.get(reverse("patients:search"), {"q": "zz"}, HTTP_HX_REQUEST="true").status_code == 200
    assert not any("messaging_delivery" in q["sql"] for q in partial.captured_queries)
