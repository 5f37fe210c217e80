"""Appointment, Schedule, prescription lines and documents over the FHIR API: read, search, and writes
only where they make sense (an OperationOutcome otherwise)."""

import base64
import datetime
import hashlib
import json

import pytest

from intramuros.agenda.models import Appointment, AppointmentType, OpeningHours, Status
from intramuros.agenda.services import appointment_book, calendar_ensure
from intramuros.agenda.timeutil import make_local
from intramuros.interop.fhir.tokens import api_token_create

pytestmark = pytest.mark.django_db
TUESDAY = datetime.date(2027, 1, 12)


@pytest.fixture
def token(dr_alice):
    return api_token_create(actor=dr_alice, name="tool", can_write=True)[1]


@pytest.fixture
def calendar(dr_alice):
    cal = calendar_ensure(practitioner=dr_alice)
    for weekday in range(5):
        OpeningHours.objects.create(calendar=cal, weekday=weekday, start=datetime.time(8), end=datetime.time(19))
    return cal


def _at(hour):
    return make_local(datetime.datetime.combine(TUESDAY, datetime.time(hour)))


def _get(client, path, token):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def _send(client, method, path, token, body):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/fhir+json",
                                   HTTP_AUTHORIZATION=f"Bearer {token}")


def test_appointment_read_search_book_and_cancel(client, token, calendar, dr_alice, jeanne_martin, paul_durand):
    kind = AppointmentType.objects.create(name="Consultation", duration_minutes=20)
    booked = appointment_book(actor=dr_alice, calendar=calendar, patient=jeanne_martin, start=_at(9), type=kind)
    resource = _get(client, f"/fhir/Appointment/{booked.pk}", token).json()
    assert resource["status"] == "booked" and resource["minutesDuration"] == 20
    actors = {p["actor"]["reference"] for p in resource["participant"]}
    assert actors == {f"Patient/{jeanne_martin.pk}", f"Practitioner/{dr_alice.pk}"}
    assert resource["appointmentType"]["coding"][0]["code"] == f"apptype-{kind.pk}"
    assert _get(client, f"/fhir/Appointment?patient={paul_durand.pk}", token).json()["total"] == 0
    assert _get(client, f"/fhir/Appointment?patient=Patient/{jeanne_martin.pk}&date=2027-01-12",
                token).json()["total"] == 1
    schedule = _get(client, f"/fhir/Schedule/calendar-{calendar.pk}", token).json()
    assert schedule["actor"][0]["reference"] == f"Practitioner/{dr_alice.pk}"

    body = {"resourceType": "Appointment", "status": "booked", "start": _at(10).isoformat(),
            "end": _at(10).replace(minute=30).isoformat(),
            "participant": [{"actor": {"reference": f"Patient/{paul_durand.pk}"}, "status": "accepted"},
                            {"actor": {"reference": f"Practitioner/{dr_alice.pk}"}, "status": "accepted"}]}
    created = _send(client, "post", "/fhir/Appointment", token, body)
    assert created.status_code == 201, created.json()
    clash = _send(client, "post", "/fhir/Appointment", token, body)
    assert clash.status_code == 409 and clash.json()["resourceType"] == "OperationOutcome"

    cancel = dict(created.json(), status="cancelled", cancelationReason={"text": "Patient ill"})
    assert _send(client, "put", f"/fhir/Appointment/{cancel['id']}", token, cancel).status_code == 200
    appointment = Appointment.objects.get(pk=cancel["id"])
    assert appointment.status == Status.CANCELLED and appointment.cancel_reason == "Patient ill"
    no_reason = dict(resource, status="cancelled")
    refused = _send(client, "put", f"/fhir/Appointment/{booked.pk}", token, no_reason)
    assert refused.status_code == 422 and refused.json()["issue"][0]["diagnostics"]


def test_prescription_lines_are_read_with_their_cis_and_never_written(client, token, dr_alice, jeanne_martin):
    from intramuros.prescriptions.models import Drug
    from intramuros.prescriptions.services import prescription_issue

    drug = Drug.objects.create(cis="60000001", name="DOLIPRANE 1000 mg, comprimé")
    rx = prescription_issue(patient=jeanne_martin, prescriber=dr_alice, items=[
        {"drug": drug.pk, "quantity": "1", "unit": "tablet", "frequency": "day", "frequency_count": 3,
         "duration": 5, "duration_unit": "days"}])
    bundle = _get(client, f"/fhir/MedicationRequest?patient={jeanne_martin.pk}", token).json()
    line = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"].startswith("rx-"))
    assert line["intent"] == "order" and line["requester"]["reference"] == f"Practitioner/{dr_alice.pk}"
    assert line["groupIdentifier"]["value"] == str(rx.pk)
    assert line["medicationCodeableConcept"]["coding"][0] == {
        "system": "urn:oid:1.2.250.1.213.2.3.1", "code": "60000001", "display": drug.name}
    assert line["dosageInstruction"][0]["text"]
    assert _get(client, "/fhir/MedicationRequest?code=60000001", token).json()["total"] == 1
    refused = _send(client, "put", f"/fhir/MedicationRequest/{line['id']}", token, line)
    assert refused.status_code == 405 and refused.json()["resourceType"] == "OperationOutcome"


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


PNG = _png()


def test_a_document_is_sent_read_back_with_its_bytes_and_checked(client, token, dr_alice, jeanne_martin):
    body = {"resourceType": "DocumentReference", "status": "current", "description": "Scan",
            "subject": {"reference": f"Patient/{jeanne_martin.pk}"},
            "author": [{"reference": f"Practitioner/{dr_alice.pk}"}],
            "context": {"period": {"start": "2026-11-02"}},
            "content": [{"attachment": {"contentType": "image/png", "title": "scan.png",
                                        "data": base64.b64encode(PNG).decode()}}]}
    created = _send(client, "post", "/fhir/DocumentReference", token, body)
    assert created.status_code == 201, created.json()
    resource = _get(client, f"/fhir/DocumentReference/{created.json()['id']}", token).json()
    attachment = resource["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == PNG
    assert attachment["extension"][0]["valueString"] == hashlib.sha256(PNG).hexdigest()
    found = _get(client, f"/fhir/DocumentReference?patient={jeanne_martin.pk}", token).json()
    assert found["total"] == 1

    altered = dict(body, content=[{"attachment": dict(body["content"][0]["attachment"], extension=[
        {"url": "urn:intramuros:sha256", "valueString": "0" * 64}])}])
    refused = _send(client, "post", "/fhir/DocumentReference", token, altered)
    assert refused.status_code == 422 and "SHA-256" in refused.json()["issue"][0]["diagnostics"]


def test_capability_statement_lists_the_new_types(client):
    types = {r["type"]: r for r in client.get("/fhir/metadata").json()["rest"][0]["resource"]}
    assert {"Appointment", "Schedule", "HealthcareService", "Slot", "DocumentReference", "MedicationRequest"} <= set(types)
    assert {"code": "create"} in types["DocumentReference"]["interaction"]
    assert {"code": "create"} not in types["Schedule"]["interaction"]
