import datetime
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from intramuros.audit.models import AuditEvent
from intramuros.patients.access import patient_for_user
from intramuros.patients.models import Correspondent, Patient
from intramuros.patients.services import patient_delete, patient_update
from intramuros.patients.tabs import FILE_TABS, tabs_for

CLINICAL_CAPS = {"clinical.view", "prescriptions.write", "documents.view", "labs.view"}


def test_index_and_search_partial(alice_client, jeanne_martin):
    page = alice_client.get("/patients/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-search' in body and 'hx-get="/patients/search/"' in body
    assert 'hx-trigger="keyup changed delay:150ms' in body
    partial = alice_client.get("/patients/search/", {"q": "martin j"})
    assert f'data-patient="{jeanne_martin.pk}"' in partial.content.decode()
    assert "<html" not in partial.content.decode()


HOSTILE = '<img src=x onerror="alert(1)">&\''


def test_search_results_are_drawn_with_every_value_escaped(alice_client, dr_alice):
    """The results table is drawn in Python (patients/presenters.py): each patient value escaped, the
    labels translated, today's patients marked, a search that found nobody answered with the typed text."""
    from django.conf import settings

    from intramuros.agenda.services import appointment_book, calendar_ensure
    from intramuros.testing.personas import make_patient

    patient = make_patient(birth_name=f"Martin{HOSTILE}", used_name=f"Durand{HOSTILE}",
                           first_names=f"Lou{HOSTILE}", city=f"Lyon{HOSTILE}", phone_mobile="06 12 34 56 78")
    appointment_book(actor=dr_alice, calendar=calendar_ensure(practitioner=dr_alice), patient=patient,
                     start=datetime.datetime.now(datetime.UTC).replace(hour=12, minute=0, second=0, microsecond=0))
    for language, labels in (("en", ("Name", "Birth date", "City", "today", "born")),
                             ("fr", ("Nom", "Date de naissance", "Ville", "aujourd'hui", "né(e)"))):
        alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = alice_client.get("/patients/search/", {"q": "durand"}).content.decode()
        assert f'<tr data-patient="{patient.pk}">' in html and html.count("<tr data-patient=") == 1
        assert "<img" not in html and 'onerror="' not in html, html
        assert "DURAND&lt;IMG SRC=X ONERROR=&quot;ALERT(1)&quot;&gt;&amp;&#x27;" in html
        assert "Lyon&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#x27;" in html
        for label in labels:
            assert label in html, (language, label)
    nobody = alice_client.get("/patients/search/", {"q": HOSTILE}).content.decode()
    assert 'role="status"' in nobody and "<img" not in nobody and "&lt;img src=x" in nobody
    from intramuros.patients.presenters import results_table

    assert results_table([], "") == ""  # nothing typed, nobody: nothing said


def test_identity_page_uses_the_file_shell(alice_client, jeanne_martin):
    page = alice_client.get(reverse("patients:identity", kwargs={"patient_id": jeanne_martin.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "MARTIN" in body and "14/03/1975" in body and "2 75 03 75 108 123 03" in body
    tabs = re.search(r'<nav class="file-tabs" aria-label="[^"]+">(.*?)</nav>', body, re.S).group(1)
    identity = reverse("patients:identity", kwargs={"patient_id": jeanne_martin.pk})
    assert tabs.count("aria-current") == 1 and f'<a href="{identity}" aria-current="page">' in tabs
    assert AuditEvent.objects.filter(action="patients.identity.viewed", patient_id=jeanne_martin.pk).exists()


def test_secretary_sees_and_edits_identity_but_no_clinical_tab(bob_client, bob_secretary, dr_alice, jeanne_martin):
    page = bob_client.get(reverse("patients:identity", kwargs={"patient_id": jeanne_martin.pk}))
    assert page.status_code == 200
    tabs = tabs_for(patient=jeanne_martin, user=bob_secretary)
    assert {t["name"] for t in tabs} & {n for n, _, cap in FILE_TABS if cap in CLINICAL_CAPS} == set()
    assert "patients:identity" in {t["name"] for t in tabs}
    # Every clinical tab that exists (other apps) is refused to her and shows nothing of the file
    # (404 from the access gate; 403 where an app's view checks its capability first).
    for name, _, capability in FILE_TABS:
        if capability not in CLINICAL_CAPS:
            continue
        try:
            url = reverse(name, kwargs={"patient_id": jeanne_martin.pk})
        except NoReverseMatch:
            continue
        refused = bob_client.get(url)
        assert refused.status_code in (403, 404), name
        assert "MARTIN" not in refused.content.decode()
        assert url not in page.content.decode()
    # The access gate says "absent" for clinical parts of the file.
    from django.http import Http404

    with pytest.raises(Http404):
        patient_for_user(bob_secretary, jeanne_martin.pk, part="summary")
    # She edits identity.
    response = bob_client.post(reverse("patients:edit", kwargs={"patient_id": jeanne_martin.pk}), {
        "birth_name": "Martin", "used_name": "Roy", "first_names": "Jeanne", "sex": "F", "birth_date": "14/03/1975",
        "nir": "2 75 03 75 108 123 03", "phone_mobile": "0612345678"})
    assert response.status_code == 302
    jeanne_martin.refresh_from_db()
    assert jeanne_martin.used_name == "Roy"


def test_practitioner_sees_clinical_tabs_that_exist(dr_alice, jeanne_martin):
    names = {t["name"] for t in tabs_for(patient=jeanne_martin, user=dr_alice)}
    for name, _, capability in FILE_TABS:
        try:
            reverse(name, kwargs={"patient_id": jeanne_martin.pk})
        except NoReverseMatch:
            assert name not in names
            continue
        assert name in names


def test_alerts_tag_renders_only_for_clinical_users(dr_alice, bob_secretary, jeanne_martin):
    template = Template("{% load patients_tags %}[{% patient_alerts patient %}]")
    request = RequestFactory().get("/")
    for user in (dr_alice, bob_secretary):
        request.user = user
        out = template.render(Context({"patient": jeanne_martin, "user": user, "request": request}))
        if user is bob_secretary:
            assert out == "[]"  # never anything clinical for the front desk


def test_history_page_shows_who_when_and_what(alice_client, dr_alice, jeanne_martin):
    patient_update(actor=dr_alice, patient=jeanne_martin, city="Colmar")
    page = alice_client.get(reverse("patients:history", kwargs={"patient_id": jeanne_martin.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Strasbourg" in body and "Colmar" in body and "Alice Bernard" in body


def test_soft_delete_and_restore(alice_client, dr_alice, jeanne_martin):
    url = reverse("patients:delete", kwargs={"patient_id": jeanne_martin.pk})
    assert alice_client.post(url, {"reason": ""}).status_code == 200  # a reason is required
    assert alice_client.post(url, {"reason": "created by mistake"}).status_code == 302
    assert not Patient.objects.filter(pk=jeanne_martin.pk).exists()
    assert Patient.all_objects.filter(pk=jeanne_martin.pk).exists()
    listing = alice_client.get("/patients/deleted/")
    assert f'data-patient="{jeanne_martin.pk}"' in listing.content.decode()
    assert alice_client.get(reverse("patients:identity", kwargs={"patient_id": jeanne_martin.pk})).status_code == 404
    assert alice_client.post(reverse("patients:restore", kwargs={"patient_id": jeanne_martin.pk})).status_code == 302
    assert Patient.objects.filter(pk=jeanne_martin.pk).exists()
    actions = set(AuditEvent.objects.filter(patient_id=jeanne_martin.pk).values_list("action", flat=True))
    assert {"patients.patient.deleted", "patients.patient.restored"} <= actions
    assert jeanne_martin.history.filter(deleted_at__isnull=False).exists()


def test_secretary_cannot_delete_or_restore(bob_client, dr_alice, jeanne_martin):
    url = reverse("patients:delete", kwargs={"patient_id": jeanne_martin.pk})
    assert bob_client.post(url, {"reason": "x"}).status_code == 403
    patient_delete(actor=dr_alice, patient=jeanne_martin)
    assert bob_client.get("/patients/deleted/").status_code == 403
    assert bob_client.post(reverse("patients:restore", kwargs={"patient_id": jeanne_martin.pk})).status_code == 403


def test_correspondent_directory_and_link(alice_client, jeanne_martin):
    response = alice_client.post("/patients/correspondents/new/", {
        "title": "Dr", "last_name": "Roux", "first_name": "Anne", "specialty": "Cardiologie", "rpps": "10003456789",
        "phone": "0388000000", "mssante_email": "anne.roux@medecin.mssante.fr", "preferred_email": "mssante"})
    assert response.status_code == 302
    roux = Correspondent.objects.get()
    assert roux.phone == "03 88 00 00 00"
    bad = alice_client.post("/patients/correspondents/new/", {"last_name": "Blanc", "rpps": "123",
                                                              "preferred_email": "mssante"})
    assert "rpps" in bad.context["form"].errors
    url = reverse("patients:link", kwargs={"patient_id": jeanne_martin.pk})
    assert alice_client.post(url, {"correspondent": roux.pk, "role": "treating"}).status_code == 302
    page = alice_client.get(reverse("patients:identity", kwargs={"patient_id": jeanne_martin.pk}))
    assert "Anne Roux" in page.content.decode()
    assert AuditEvent.objects.filter(action="patients.correspondent.linked", patient_id=jeanne_martin.pk).exists()


def test_photo_is_checked_by_content_and_served(alice_client, jeanne_martin):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(buffer, format="PNG")
    url = reverse("patients:photo_upload", kwargs={"patient_id": jeanne_martin.pk})
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    alice_client.post(url, {"photo": fake})
    jeanne_martin.refresh_from_db()
    assert not jeanne_martin.photo_file and not jeanne_martin.photo
    real = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")
    assert alice_client.post(url, {"photo": real}).status_code == 302
    served = alice_client.get(reverse("patients:photo", kwargs={"patient_id": jeanne_martin.pk}))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(served.content)) as img:
        assert max(img.size) <= 400


def test_admin_without_identity_access_sees_no_patient(client, admin_eve, jeanne_martin):
    client.force_login(admin_eve)
    assert client.get("/patients/").status_code == 403
    assert client.get(reverse("patients:identity", kwargs={"patient_id": jeanne_martin.pk})).status_code == 403


def test_new_patient_page_creates_a_file(alice_client):
    response = alice_client.post("/patients/new/", {
        "birth_name": "Nguyễn", "first_names": "Thị Mai", "sex": "F", "birth_date": "02/01/1990",
        "nir": "290017510812367", "phone_mobile": "06 11 22 33 44"})
    assert response.status_code == 200 or response.status_code == 302
    if response.status_code == 200:
        assert "nir" in response.context["form"].errors  # the made-up NIR has a wrong key
    response = alice_client.post("/patients/new/", {
        "birth_name": "Nguyễn", "first_names": "Thị Mai", "sex": "F", "birth_date": "02/01/1990",
        "phone_mobile": "06 11 22 33 44"})
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.search_names == "nguyen thi mai"
    assert patient.birth_date == datetime.date(1990, 1, 2)


def test_duplicate_rpps_is_refused_with_the_holder_named(dr_alice):
    from django.core.exceptions import ValidationError

    from intramuros.patients.services import correspondent_create

    correspondent_create(actor=dr_alice, last_name="Roux", rpps="10003456789")
    with pytest.raises(ValidationError) as exc:
        correspondent_create(actor=dr_alice, last_name="Blanc", rpps="10003456789")
    assert list(exc.value.message_dict) == ["rpps"]
    assert "ROUX" in exc.value.message_dict["rpps"][0]
    assert Correspondent.objects.count() == 1
