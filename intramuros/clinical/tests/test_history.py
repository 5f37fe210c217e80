"""Nothing is ever lost: deletion is a flag, an administrator restores, every version is kept and shown."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from intramuros.audit.models import AuditEvent
from intramuros.clinical import services
from intramuros.clinical.models import Allergy, Consultation


@pytest.fixture
def allergy(jeanne_martin, dr_alice):
    return services.allergy_create(patient=jeanne_martin, actor=dr_alice,
                                   data={"substance": "Pénicilline", "reaction": "Urticaire"})


@pytest.mark.django_db
def test_a_deleted_item_is_hidden_but_kept(allergy, dr_alice):
    services.record_item_delete(item=allergy, actor=dr_alice)
    assert not Allergy.objects.filter(pk=allergy.pk).exists()
    kept = Allergy.all_objects.get(pk=allergy.pk)
    assert kept.is_deleted and kept.deleted_by == dr_alice


@pytest.mark.django_db
def test_only_an_administrator_with_records_restore_may_restore(allergy, dr_alice, dr_charlie):
    services.record_item_delete(item=allergy, actor=dr_charlie)
    with pytest.raises(PermissionDenied):
        services.record_item_restore(item=Allergy.all_objects.get(pk=allergy.pk), actor=dr_charlie)
    services.record_item_restore(item=Allergy.all_objects.get(pk=allergy.pk), actor=dr_alice)
    assert Allergy.objects.filter(pk=allergy.pk).exists()
    actions = list(AuditEvent.objects.filter(target_id=str(allergy.pk), action__startswith="clinical.allergy")
                   .values_list("action", flat=True).order_by("seq"))
    assert actions == ["clinical.allergy.created", "clinical.allergy.deleted", "clinical.allergy.restored"]


@pytest.mark.django_db
def test_restore_from_the_page(client, dr_alice, dr_charlie, allergy, jeanne_martin):
    services.record_item_delete(item=allergy, actor=dr_alice)
    url = reverse("clinical:item_restore", kwargs={"patient_id": jeanne_martin.pk, "kind": "allergy",
                                                   "pk": allergy.pk})
    client.force_login(dr_charlie)  # a practitioner who does not administer the practice
    assert client.post(url).status_code == 403
    assert client.get(reverse("clinical:deleted", kwargs={"patient_id": jeanne_martin.pk})).status_code == 403
    client.force_login(dr_alice)
    listing = client.get(reverse("clinical:deleted", kwargs={"patient_id": jeanne_martin.pk}))
    assert "Pénicilline" in listing.content.decode()
    assert client.post(url).status_code == 302
    assert Allergy.objects.filter(pk=allergy.pk).exists()


@pytest.mark.django_db
def test_deleting_from_the_page_flags_the_item(alice_client, allergy, jeanne_martin):
    url = reverse("clinical:item_delete", kwargs={"patient_id": jeanne_martin.pk, "kind": "allergy",
                                                  "pk": allergy.pk})
    assert alice_client.get(url).status_code == 405  # a deletion is never a plain link
    assert alice_client.post(url).status_code == 302
    assert Allergy.all_objects.get(pk=allergy.pk).is_deleted


@pytest.mark.django_db
def test_every_change_keeps_the_previous_version_with_who_and_when(alice_client, allergy, dr_charlie,
                                                                   jeanne_martin):
    services.record_item_update(item=allergy, actor=dr_charlie, data={"reaction": "Œdème de Quincke",
                                                                       "severity": "life_threatening"})
    versions = list(allergy.history.order_by("history_id"))
    assert [v.reaction for v in versions] == ["Urticaire", "Œdème de Quincke"]
    assert versions[-1].history_user == dr_charlie
    page = alice_client.get(reverse("clinical:item_history", kwargs={"patient_id": jeanne_martin.pk,
                                                                     "kind": "allergy", "pk": allergy.pk}))
    html = page.content.decode()
    assert "Urticaire" in html and "Œdème de Quincke" in html and "Lemaire" in html


@pytest.mark.django_db
def test_consultation_history_includes_its_diagnoses(consultation, dr_alice, alice_client, jeanne_martin):
    services.consultation_update(consultation=consultation, actor=dr_alice, data={"conclusion": "Céphalée de tension"},
                                 diagnoses=["R51"])
    rows = alice_client.get(reverse("clinical:item_history", kwargs={
        "patient_id": jeanne_martin.pk, "kind": "consultation", "pk": consultation.pk})).context["rows"]
    described = " ".join(f"{r['what']} {r['action']} {r['changes']}" for r in rows)
    assert "G43.9" in described and "R51" in described and "Céphalée de tension" in described
    assert [d.code for d in consultation.diagnoses.all()] == ["R51"]


@pytest.mark.django_db
def test_a_deleted_consultation_can_be_restored(consultation, dr_alice):
    services.record_item_delete(item=consultation, actor=dr_alice)
    assert not Consultation.objects.exists()
    services.record_item_restore(item=Consultation.all_objects.get(), actor=dr_alice)
    assert Consultation.objects.count() == 1
