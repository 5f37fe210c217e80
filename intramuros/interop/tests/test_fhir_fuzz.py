"""Generated requests thrown at the FHIR API: whatever comes in, never a server error, and every error
is an OperationOutcome saying what is wrong."""

import json
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intramuros.interop.fhir.registry import fhir_types
from intramuros.interop.fhir.tokens import api_token_create

pytestmark = pytest.mark.django_db

TYPES = fhir_types()
# FHIR_FUZZ_EXAMPLES=1000 for a longer hunt (random seed); the suite runs 50 fixed examples, fast.
_LONG = int(os.environ.get("FHIR_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_LONG or 50, deadline=None, derandomize=not _LONG,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
# Bodies that look like FHIR often enough to reach the mappers, and plain garbage otherwise.
fhir_like = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(TYPES) | st.text(max_size=12)},
    optional={"id": st.text(max_size=12) | st.integers().map(str), "status": st.text(max_size=12),
              "subject": st.fixed_dictionaries({"reference": st.text(max_size=20)}),
              "patient": st.fixed_dictionaries({"reference": st.sampled_from(["Patient/1", "Patient/x", "Patient/²",
                                                                             "Patient/99999999999999999999"])}),
              "name": json_values, "code": json_values, "extension": json_values, "start": st.text(max_size=25),
              "end": st.text(max_size=25), "participant": json_values, "content": json_values})
bodies = fhir_like.map(json.dumps) | json_values.map(json.dumps) | st.binary(max_size=60).map(
    lambda b: b.decode("latin-1"))
idents = st.sampled_from(["1", "lab-1", "rx-1", "doc-1", "calendar-1", "0", "-1", "99999999999999999999", "²",
                          "٣"]) | st.text(min_size=1, max_size=15)
params = st.dictionaries(st.sampled_from(["patient", "code", "date", "name", "identifier", "birthdate", "status",
                                          "_count", "_offset", "practitioner", "actor", "schedule"])
                         | st.text(min_size=1, max_size=8), st.text(max_size=15), max_size=3)
headers = st.sampled_from(["valid", "none", "Bearer", "Bearer nope", "Basic abc", "bearer  ", "Bearer \x7f"])


def _check(response):
    assert response.status_code < 500, response.content[:300]
    data = response.json()
    if response.status_code >= 400:
        assert data["resourceType"] == "OperationOutcome" and data["issue"][0]["diagnostics"]


@pytest.fixture
def auth(dr_alice, jeanne_martin):
    token = api_token_create(actor=dr_alice, name="fuzz", can_write=True)[1]
    return lambda kind: {} if kind == "none" else {"HTTP_AUTHORIZATION": f"Bearer {token}" if kind == "valid"
                                                   else kind}


@FUZZ
@given(kind=st.sampled_from(TYPES) | st.text(min_size=1, max_size=12), ident=idents, query=params, header=headers)
def test_reads_and_searches_never_fail(client, auth, kind, ident, query, header):
    _check(client.get(f"/fhir/{quote(kind, safe='')}", query, **auth(header)))
    _check(client.get(f"/fhir/{quote(kind, safe='')}/{quote(ident, safe='')}", **auth(header)))


@FUZZ
@given(kind=st.sampled_from(TYPES), ident=idents, body=bodies, method=st.sampled_from(["post", "put", "delete",
                                                                                      "patch"]))
def test_writes_never_fail(client, auth, kind, ident, body, method):
    path = f"/fhir/{kind}" if method == "post" else f"/fhir/{kind}/{quote(ident, safe='')}"
    _check(getattr(client, method)(path, data=body, content_type="application/fhir+json", **auth("valid")))


def _bases(patient, practitioner) -> dict:
    """A valid body per writable type: mutating one element at a time reaches the mappers' own checks."""
    import base64

    subject = {"reference": f"Patient/{patient.pk}"}
    return {
        "Patient": {"resourceType": "Patient", "name": [{"use": "official", "family": "Roy", "given": ["Ana"]}],
                    "gender": "female", "birthDate": "1990-01-02"},
        "AllergyIntolerance": {"resourceType": "AllergyIntolerance", "patient": subject, "code": {"text": "Latex"},
                               "type": "allergy"},
        "Immunization": {"resourceType": "Immunization", "status": "completed", "patient": subject,
                         "vaccineCode": {"text": "DTP"}, "occurrenceDateTime": "2024-01-02"},
        "Encounter": {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, "subject": subject,
                      "participant": [{"individual": {"reference": f"Practitioner/{practitioner.pk}"}}],
                      "period": {"start": "2024-01-02T10:00:00+01:00"}},
        "Appointment": {"resourceType": "Appointment", "status": "booked", "start": "2027-01-12T10:00:00+01:00",
                        "end": "2027-01-12T10:20:00+01:00",
                        "participant": [{"actor": subject, "status": "accepted"},
                                        {"actor": {"reference": f"Practitioner/{practitioner.pk}"},
                                         "status": "accepted"}]},
        "DocumentReference": {"resourceType": "DocumentReference", "status": "current", "subject": subject,
                              "description": "Note", "context": {"period": {"start": "2024-01-02"}},
                              "content": [{"attachment": {"contentType": "application/pdf", "data":
                                           base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()}}]},
    }


@FUZZ
@given(kind=st.sampled_from(["Patient", "AllergyIntolerance", "Immunization", "Encounter", "Appointment",
                             "DocumentReference"]),
       key=st.sampled_from(["name", "gender", "birthDate", "patient", "subject", "code", "type", "status", "start",
                            "end", "participant", "period", "content", "context", "description", "extension",
                            "occurrenceDateTime", "vaccineCode", "reasonCode", "comment", "id", "identifier"]),
       value=json_values | st.text(max_size=400) | st.sampled_from(["2024-02-30", "1800-01-01", "9999-12-31T23:59:59Z",
                                                                  "Patient/0", "Practitioner/1"]),
       drop=st.booleans())
def test_mutated_valid_resources_never_fail(client, auth, dr_alice, jeanne_martin, kind, key, value, drop):
    body = dict(_bases(jeanne_martin, dr_alice)[kind])
    if drop:
        body.pop(key, None)
    else:
        body[key] = value
    _check(client.post(f"/fhir/{kind}", data=json.dumps(body), content_type="application/fhir+json",
                       **auth("valid")))
