"""Imaging studies from a real Orthanc on loopback: list, view, attach, worklist; Orthanc down or lying."""

import io
import os

import pydicom
import pytest
from django.urls import reverse
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from intramuros.messaging import imaging
from intramuros.testing.orthanc import ensure_orthanc, start_orthanc

pytestmark = pytest.mark.django_db


def _dicom_image(patient_id: str) -> bytes:
    ds = Dataset()
    ds.PatientID, ds.PatientName = patient_id, "MARTIN^Jeanne"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"  # secondary capture
    ds.StudyDescription, ds.Modality, ds.StudyDate = "Échographie abdominale", "US", "20261128"
    ds.Rows = ds.Columns = 16
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = bytes(range(256))
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory):
    if ensure_orthanc() is None:
        pytest.skip("Debian's orthanc package is not installed and cannot be installed here")
    workdir = tmp_path_factory.mktemp("orthanc")
    (workdir / "worklists").mkdir()
    proc, url = start_orthanc(workdir, worklists=workdir / "worklists")
    yield url, workdir / "worklists"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def with_orthanc(orthanc, monkeypatch):
    url, worklists = orthanc
    monkeypatch.setenv("INTRAMUROS_ORTHANC_URL", url)
    monkeypatch.setenv("INTRAMUROS_ORTHANC_WORKLIST_DIR", str(worklists))
    return url, worklists


def _upload(url, data):
    import urllib.request

    req = urllib.request.Request(url + "/instances", data=data, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 (loopback)
        return r.read()


def test_patient_studies_are_listed_viewed_and_attached(client, dr_alice, jeanne_martin, paul_durand,
                                                         with_orthanc):
    from intramuros.documents.models import UploadedDocument

    url, _ = with_orthanc
    _upload(url, _dicom_image(imaging.dicom_patient_id(jeanne_martin)))
    _upload(url, _dicom_image(imaging.dicom_patient_id(paul_durand)))
    client.force_login(dr_alice)
    page = client.get(reverse("messaging:patient_imaging", args=[jeanne_martin.pk]))
    assert page.status_code == 200
    studies = page.context["studies"]
    assert len(studies) == 1 and studies[0].description == "Échographie abdominale"
    instance = studies[0].instances[0]["ID"]
    preview = client.get(reverse("messaging:imaging_preview", args=[jeanne_martin.pk, instance]))
    assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")
    # Another patient's image cannot be fetched through this patient's file.
    other = imaging.studies_for(paul_durand)[0].instances[0]["ID"]
    assert client.get(reverse("messaging:imaging_preview", args=[jeanne_martin.pk, other])).status_code == 404
    client.post(reverse("messaging:imaging_attach", args=[jeanne_martin.pk, instance]))
    attached = UploadedDocument.objects.get(patient=jeanne_martin)
    assert attached.category == "imaging" and attached.file.content_type == "image/png"


def test_worklist_entry_is_a_valid_dicom_file(dr_alice, jeanne_martin, with_orthanc):
    import datetime

    from django.utils import timezone

    _, worklists = with_orthanc
    when = timezone.localtime().replace(hour=14, minute=30, second=0, microsecond=0)
    path = imaging.worklist_entry_write(actor=dr_alice, patient=jeanne_martin, when=when,
                                        description="Échographie pelvienne", performing="Dr Bernard")
    ds = pydicom.dcmread(path)
    assert ds.PatientID == imaging.dicom_patient_id(jeanne_martin)
    assert ds.ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime == "143000"
    assert ds.PatientBirthDate == jeanne_martin.birth_date.strftime("%Y%m%d")
    assert not [f for f in os.listdir(worklists) if f.endswith(".tmp")]
    assert isinstance(when, datetime.datetime)


def test_orthanc_down_gives_a_clear_message(client, dr_alice, jeanne_martin, monkeypatch):
    monkeypatch.setenv("INTRAMUROS_ORTHANC_URL", "http://127.0.0.1:9")
    client.force_login(dr_alice)
    page = client.get(reverse("messaging:patient_imaging", args=[jeanne_martin.pk]))
    assert page.status_code == 200
    assert "does not answer" in page.content.decode() or "ne répond pas" in page.content.decode()


def test_orthanc_answering_garbage_is_refused(jeanne_martin, monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Garbage(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>not json")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("INTRAMUROS_ORTHANC_URL", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(imaging.ImagingUnavailable):
            imaging.studies_for(jeanne_martin)
    finally:
        server.shutdown()


def test_unconfigured_imaging_says_so(jeanne_martin, monkeypatch):
    monkeypatch.delenv("INTRAMUROS_ORTHANC_URL", raising=False)
    with pytest.raises(imaging.ImagingUnavailable, match="INTRAMUROS_ORTHANC_URL"):
        imaging.studies_for(jeanne_martin)


def test_secretary_sees_no_imaging(client, bob_secretary, jeanne_martin):
    client.force_login(bob_secretary)
    assert client.get(reverse("messaging:patient_imaging", args=[jeanne_martin.pk])).status_code == 403
