"""The FHIR API: tokens, CapabilityStatement, read, search, create, update, OperationOutcome on bad input."""

import json

import pytest

from intramuros.audit.models import AuditEvent
from intramuros.interop.fhir.tokens import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(dr_alice):
    return api_token_create(actor=dr_alice, name="stats")[1]


@pytest.fixture
def writer(dr_alice):
    return api_token_create(actor=dr_alice, name="import", can_write=True)[1]


def _get(client, path, token):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def _send(client, method, path, token, body):
    return getattr(client, method)(path, data=json.dumps(body) if not isinstance(body, str) else body,
                                   content_type="application/fhir+json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_capability_statement_lists_the_resources(client):
    data = client.get("/fhir/metadata").json()
    assert data["resourceType"] == "CapabilityStatement" and data["fhirVersion"] == "4.3.0"
    assert {"Patient", "Practitioner", "Observation"} <= {r["type"] for r in data["rest"][0]["resource"]}


def test_a_token_is_required_and_revocation_works(client, dr_alice, jeanne_martin):
    path = f"/fhir/Patient/{jeanne_martin.pk}"
    denied = client.get(path)
    assert denied.status_code == 401 and denied.json()["resourceType"] == "OperationOutcome"
    token_obj, token = api_token_create(actor=dr_alice, name="tmp")
    assert _get(client, path, token).status_code == 200
    api_token_revoke(actor=dr_alice, api_token=token_obj)
    assert _get(client, path, token).status_code == 401


def test_read_and_search_patient_are_audited(client, reader, jeanne_martin, paul_durand):
    patient = _get(client, f"/fhir/Patient/{jeanne_martin.pk}", reader).json()
    assert patient["name"][0]["family"] == "Martin" and patient["gender"] == "female"
    assert patient["identifier"][0]["value"] == jeanne_martin.nir
    bundle = _get(client, "/fhir/Patient?name=durand", reader).json()
    assert bundle["total"] == 1 and bundle["entry"][0]["resource"]["id"] == str(paul_durand.pk)
    assert AuditEvent.objects.filter(action="interop.fhir.read", patient_id=jeanne_martin.pk).exists()
    assert AuditEvent.objects.filter(action="interop.fhir.searched").exists()
    unknown = _get(client, "/fhir/Patient?shoe-size=42", reader)
    assert unknown.status_code == 400 and "not supported" in unknown.json()["issue"][0]["diagnostics"]
    assert _get(client, "/fhir/Patient/999999", reader).status_code == 404
    assert _get(client, "/fhir/Spaceship/1", reader).status_code == 404


def test_create_and_update_patient(client, writer, reader, dr_alice):
    body = {"resourceType": "Patient", "name": [{"use": "official", "family": "Rousseau", "given": ["Léa"]}],
            "gender": "female", "birthDate": "1990-07-01",
            "generalPractitioner": [{"reference": f"Practitioner/{dr_alice.pk}"}]}
    assert _send(client, "post", "/fhir/Patient", reader, body).status_code == 403
    created = _send(client, "post", "/fhir/Patient", writer, body)
    assert created.status_code == 201
    resource = created.json()
    resource["telecom"] = [{"system": "phone", "value": "0611223344", "use": "mobile"}]
    updated = _send(client, "put", f"/fhir/Patient/{resource['id']}", writer, resource)
    assert updated.status_code == 200 and updated.json()["telecom"][0]["value"].startswith("06")
    again = _send(client, "post", "/fhir/Patient", writer, body)
    assert again.status_code == 409  # the same person again is a duplicate


@pytest.mark.parametrize("body, status, text", [
    ("{not json", 400, "not valid JSON"),
    ({"resourceType": "Patient", "gender": "female", "birthDate": "1990-07-01"}, 400, "family"),
    ({"resourceType": "Patient", "name": [{"family": "X"}], "gender": "female", "birthDate": "07/1990"}, 400,
     "birthDate"),
    ({"resourceType": "Patient", "name": [{"family": "X"}], "gender": "female", "birthDate": "1990-07-01",
      "generalPractitioner": [{"reference": "Practitioner/424242"}]}, 422, "does not exist"),
    ({"resourceType": "Observation", "status": "final", "code": {"text": "x"}}, 400, "not a Patient"),
    ({"resourceType": "Patient", "name": "not a list"}, 400, "invalid Patient"),
])
def test_bad_input_answers_with_an_operation_outcome(client, writer, body, status, text):
    response = _send(client, "post", "/fhir/Patient", writer, body)
    assert response.status_code == status
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert text in outcome["issue"][0]["diagnostics"]


def test_lab_observations_by_patient(client, reader, dr_alice, jeanne_martin):
    from pathlib import Path

    from intramuros.interop.labs.services import decode, lab_message_file, lab_message_receive

    raw = decode((Path(__file__).parent / "samples" / "oru_martin.hl7").read_bytes())
    lab_message_file(actor=dr_alice, message=lab_message_receive(raw=raw, source="upload"), patient=jeanne_martin)
    bundle = _get(client, f"/fhir/Observation?patient={jeanne_martin.pk}&code=2345-7", reader).json()
    assert bundle["total"] == 1
    obs = bundle["entry"][0]["resource"]
    assert obs["code"]["coding"][0]["system"] == "http://loinc.org"
    assert obs["valueQuantity"]["value"] == 6.8 and obs["interpretation"][0]["coding"][0]["code"] == "H"
