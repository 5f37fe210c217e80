"""Each record type of documents and agenda read back from its own FHIR resource gives the same resource:
the mappers lose nothing (the whole-practice round trip on the demo proves it at scale)."""

import datetime
import io

import pytest

from intramuros.interop.fhir.registry import load

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def _copy(key: str, obj, new_pk: int):
    """Export, import as another row (keeping ids, as an import does), export again: same but the id."""
    resource = load()[key]
    first = resource.to_fhir(obj)
    data = dict(first, id=resource.fhir_id(new_pk))
    copy = resource.from_fhir(data, actor="test", keep_id=True)
    again = resource.to_fhir(resource.queryset().get(pk=copy.pk))
    assert again == data
    return first


def test_uploaded_letter_printed_and_prescription_print_come_back_identical(dr_alice, jeanne_martin):
    from intramuros.documents import services
    from intramuros.documents.models import LetterTemplate
    from intramuros.documents.storage import store_bytes
    from intramuros.prescriptions.models import Prescription, PrescriptionPrint

    upload = services.document_upload(actor=dr_alice, patient=jeanne_martin, data=_png(), name="scan.png",
                                      title="Scan", document_date=datetime.date(2026, 3, 1), category="lab")
    services.document_delete(actor=dr_alice, document=upload)
    upload.refresh_from_db()
    resource = _copy("DocumentReference:doc", upload, 900)
    assert resource["status"] == "entered-in-error" and resource["content"][0]["attachment"]["title"] == "scan.png"

    if not LetterTemplate.objects.exclude(code="").exists():
        from intramuros.documents.shipped import install_shipped

        install_shipped(LetterTemplate)  # a transactional test run before in this process flushed them
    template = LetterTemplate.objects.exclude(code="").order_by("pk").first()
    letter = services.letter_create(author=dr_alice, patient=jeanne_martin, template=template)
    printed = services.letter_print(actor=dr_alice, letter=letter)
    letter.refresh_from_db()
    assert _copy("DocumentReference:letter", letter, 901)["docStatus"] == "final"
    printed_resource = _copy("DocumentReference:printed", printed, 902)
    assert printed_resource["relatesTo"][0]["target"]["reference"] == f"DocumentReference/letter-{letter.pk}"

    rx = Prescription.objects.create(patient=jeanne_martin, prescriber=dr_alice)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    stored = store_bytes(pdf, kind="prescription", content_type="application/pdf", original_name="rx.pdf")
    rx_print = PrescriptionPrint.objects.create(prescription=rx, printed_by=dr_alice, stored_file_id=stored.pk,
                                                sha256=stored.sha256, size=stored.size)
    assert _copy("DocumentReference:rxprint", rx_print, 903)["context"]["related"][0]["identifier"]["value"] == \
        str(rx.pk)


def test_recurring_cancelled_appointment_and_absence_come_back_identical(dr_alice, jeanne_martin):
    from intramuros.agenda.models import Appointment, AppointmentType, Unavailability
    from intramuros.agenda.services import appointment_book, appointment_cancel, calendar_ensure
    from intramuros.agenda.timeutil import make_local

    calendar = calendar_ensure(practitioner=dr_alice)
    kind = AppointmentType.objects.create(name="Suivi", duration_minutes=30)
    start = make_local(datetime.datetime(2027, 1, 12, 9))
    first = appointment_book(actor=dr_alice, calendar=calendar, patient=jeanne_martin, start=start, type=kind,
                             rule="FREQ=WEEKLY;COUNT=3", force=True, note="à jeun")
    appointment_cancel(actor=dr_alice, appointment=first, reason="grippe")
    first = Appointment.objects.get(pk=first.pk)
    resource = _copy("Appointment", first, 990)
    assert resource["status"] == "cancelled" and resource["cancelationReason"] == {"text": "grippe"}
    assert any(e["url"] == "urn:intramuros:appointment#series" for e in resource["extension"])
    absence = Unavailability.objects.create(calendar=calendar, start=start, end=start + datetime.timedelta(days=2),
                                            kind="holiday", reason="Congés")
    absence.refresh_from_db()
    assert _copy("Slot:unavailable", absence, 991)["status"] == "busy-unavailable"
