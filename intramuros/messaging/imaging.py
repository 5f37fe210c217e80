"""Imaging studies on the practice's own Orthanc server (DICOM), through its REST API.

The software talks only to the Orthanc address the practice configured (INTRAMUROS_ORTHANC_URL);
images reach the browser through this server, never directly, so every view is checked and logged.
Worklist entries are DICOM files written where Orthanc's worklist plugin reads them.
"""

from __future__ import annotations

import datetime
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.core.env import env_str

TIMEOUT = 5
MAX_BYTES = 50 * 1024 * 1024
ENCAPSULATED_PDF = "1.2.840.10008.5.1.4.1.1.104.1"


class ImagingUnavailable(Exception):
    """Orthanc is not configured, down, or answered something that is not what it should answer."""


@dataclass
class Study:
    id: str
    date: str
    description: str
    modalities: str
    instances: list[dict]


def dicom_patient_id(patient) -> str:
    """The identifier our worklist gives the modalities, hence the one their images carry."""
    return f"IM{patient.pk:08d}"


def _base_url() -> str:
    url = env_str("INTRAMUROS_ORTHANC_URL").rstrip("/")
    if not url:
        raise ImagingUnavailable(_("No imaging server is configured: set INTRAMUROS_ORTHANC_URL to the address "
                                   "of the practice's Orthanc."))
    if not url.startswith(("http://", "https://")):
        raise ImagingUnavailable(_("INTRAMUROS_ORTHANC_URL must start with http:// or https://."))
    return url


def _request(path: str, *, body: dict | None = None) -> bytes:
    url = _base_url() + path
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET",  # noqa: S310 (configured URL)
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:  # noqa: S310
            payload = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise ImagingUnavailable(_("The imaging server does not know this item.")) from None
        raise ImagingUnavailable(_("The imaging server answered with an error (%(code)s).") % {"code": exc.code}) \
            from None
    except (urllib.error.URLError, OSError):
        raise ImagingUnavailable(_("The imaging server (Orthanc) at %(url)s does not answer: check that it is "
                                   "running and reachable.") % {"url": _base_url()}) from None
    if len(payload) > MAX_BYTES:
        raise ImagingUnavailable(_("The imaging server sent more data than expected."))
    return payload


def _json(path: str, *, body: dict | None = None):
    try:
        return json.loads(_request(path, body=body))
    except (ValueError, UnicodeDecodeError):
        raise ImagingUnavailable(_("The imaging server answered something that is not valid: check its "
                                   "address.")) from None


def studies_for(patient) -> list[Study]:
    ids = {dicom_patient_id(patient)} | ({patient.nir} if patient.nir else set())
    studies: dict[str, Study] = {}
    for pid in ids:
        found = _json("/tools/find", body={"Level": "Study", "Query": {"PatientID": pid}, "Expand": True})
        if not isinstance(found, list):
            raise ImagingUnavailable(_("The imaging server answered something that is not valid: check its "
                                       "address."))
        for item in found:
            tags = item.get("MainDicomTags", {}) if isinstance(item, dict) else {}
            if not isinstance(item, dict) or "ID" not in item:
                continue
            instances = _json(f"/studies/{item['ID']}/instances")
            studies[item["ID"]] = Study(
                id=item["ID"], date=tags.get("StudyDate", ""), description=tags.get("StudyDescription", ""),
                modalities=", ".join(sorted({(i.get("MainDicomTags") or {}).get("Modality", "")
                                             for i in instances if isinstance(i, dict)} - {""})),
                instances=[i for i in instances if isinstance(i, dict) and "ID" in i])
    return sorted(studies.values(), key=lambda s: s.date, reverse=True)


def _check_belongs(patient, instance_id: str) -> dict:
    owner = _json(f"/instances/{instance_id}/patient")
    pid = (owner.get("MainDicomTags") or {}).get("PatientID") if isinstance(owner, dict) else None
    if pid not in {dicom_patient_id(patient), patient.nir or None}:
        raise ImagingUnavailable(_("This image does not belong to this patient."))
    return owner


def instance_preview(*, user, patient, instance_id: str) -> bytes:
    _check_belongs(patient, instance_id)
    png = _request(f"/instances/{instance_id}/preview")
    if not png.startswith(b"\x89PNG"):
        raise ImagingUnavailable(_("The imaging server did not send an image."))
    audit.record(actor=user, action="messaging.imaging.image_viewed", patient=patient, instance=instance_id)
    return png


@transaction.atomic
def imaging_attach(*, actor, patient, instance_id: str):
    """Attach a key image (as PNG) or an encapsulated PDF report to the patient's documents."""
    from intramuros.documents.services import document_upload

    _check_belongs(patient, instance_id)
    tags = _json(f"/instances/{instance_id}/simplified-tags")
    if isinstance(tags, dict) and tags.get("SOPClassUID") == ENCAPSULATED_PDF:
        data, name = _request(f"/instances/{instance_id}/content/0042-0011"), "report.pdf"
        data = data.rstrip(b"\x00")  # DICOM pads values to an even length
    else:
        data, name = _request(f"/instances/{instance_id}/preview"), "key-image.png"
    title = (tags.get("StudyDescription") or tags.get("SeriesDescription") or _("Imaging")) if isinstance(tags, dict) \
        else _("Imaging")
    document = document_upload(actor=actor, patient=patient, data=data, name=name, title=str(title)[:200],
                               document_date=datetime.date.today(), category="imaging")
    audit.record(actor=actor, action="messaging.imaging.attached", target=document, patient=patient,
                 instance=instance_id)
    return document


def worklist_dir() -> Path:
    folder = env_str("INTRAMUROS_ORTHANC_WORKLIST_DIR")
    if not folder:
        raise ImagingUnavailable(_("No worklist folder is configured: set INTRAMUROS_ORTHANC_WORKLIST_DIR to the "
                                   "folder Orthanc's worklist plugin reads."))
    return Path(folder)


def worklist_entry_write(*, actor, patient, when: datetime.datetime, description: str, performing: str = "",
                         modality: str = "US") -> Path:
    """A modality worklist entry (DICOM .wl file) for the patient's appointment, written atomically."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    folder = worklist_dir()
    if not folder.is_dir():
        raise ImagingUnavailable(_("The worklist folder %(folder)s does not exist.") % {"folder": folder})
    ds = Dataset()
    ds.PatientName = f"{patient.display_surname}^{patient.first_names}"
    ds.PatientID = dicom_patient_id(patient)
    ds.PatientBirthDate = patient.birth_date.strftime("%Y%m%d")
    ds.PatientSex = {"F": "F", "M": "M"}.get(patient.sex, "O")
    ds.AccessionNumber = f"IM{when:%y%m%d%H%M}{patient.pk % 1000:03d}"[:16]
    ds.StudyInstanceUID = generate_uid()
    ds.RequestedProcedureDescription = description[:64]
    step = Dataset()
    step.Modality = modality
    step.ScheduledProcedureStepStartDate = when.strftime("%Y%m%d")
    step.ScheduledProcedureStepStartTime = when.strftime("%H%M%S")
    step.ScheduledPerformingPhysicianName = performing[:64]
    step.ScheduledProcedureStepDescription = description[:64]
    ds.ScheduledProcedureStepSequence = [step]
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.276.0.7230010.3.1.0.1"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    target = folder / f"{ds.AccessionNumber}.wl"
    tmp = folder / f".{ds.AccessionNumber}.tmp"
    ds.save_as(tmp, enforce_file_format=True)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)
    audit.record(actor=actor, action="messaging.imaging.worklist_sent", patient=patient,
                 accession=ds.AccessionNumber)
    return target
