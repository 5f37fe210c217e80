"""Coloured tags on patients, to find them again."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intramuros.audit.models import AuditEvent
from intramuros.patients import tags
from intramuros.patients.models import PatientTag

pytestmark = pytest.mark.django_db


def test_tag_a_patient_and_list_the_tagged(client, dr_alice, bob_secretary, jeanne_martin, paul_durand):
    diabetes = tags.tag_create(actor=dr_alice, name="Suivi diabète", color="orange")
    client.force_login(bob_secretary)
    client.post(reverse("patients:patient_tag", args=[jeanne_martin.pk]), {"tag": diabetes.pk})
    client.post(reverse("patients:patient_tag", args=[jeanne_martin.pk]), {"tag": diabetes.pk})  # twice: once
    assert PatientTag.objects.filter(patient=jeanne_martin).count() == 1
    page = client.get(reverse("patients:tags") + f"?tag={diabetes.pk}").content.decode()
    assert str(jeanne_martin) in page and str(paul_durand) not in page
    identity = client.get(reverse("patients:identity", args=[jeanne_martin.pk])).content.decode()
    assert 'class="tag tag-orange"' in identity
    assert AuditEvent.objects.filter(action="patients.tag.added", patient_id=jeanne_martin.pk).exists()
    client.post(reverse("patients:patient_tag", args=[jeanne_martin.pk]), {"tag": diabetes.pk, "remove": "1"})
    assert not PatientTag.objects.exists()


def test_only_administrators_create_tags(client, bob_secretary, dr_alice):
    client.force_login(bob_secretary)
    client.post(reverse("patients:tags"), {"name": "Étude", "color": "blue"})
    client.force_login(dr_alice)
    client.post(reverse("patients:tags"), {"name": "Étude", "color": "blue"})
    from intramuros.patients.models import Tag

    assert list(Tag.objects.values_list("name", flat=True)) == ["Étude"]


def test_bad_tags_are_refused(dr_alice):
    tags.tag_create(actor=dr_alice, name="Étude", color="blue")
    with pytest.raises(ValidationError):
        tags.tag_create(actor=dr_alice, name="étude", color="blue")
    with pytest.raises(ValidationError):
        tags.tag_create(actor=dr_alice, name="Autre", color="#ff0000")
    with pytest.raises(ValidationError):
        tags.tag_create(actor=dr_alice, name="x\x00y", color="blue")
