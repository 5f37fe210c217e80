"""Whole-practice (or one patient's) export as FHIR NDJSON, and import into an empty practice.

The export is deterministic (sorted ids, sorted keys, no timestamp of its own), so that export,
import into a fresh practice and export again give identical files: the proof that nothing is lost.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction

from intramuros import audit
from intramuros.interop.fhir.registry import FhirInputError, fhir_types, load, source_for, sources
from intramuros.interop.fhir.validate import validated

MANIFEST = "manifest.json"


def _dump(resource: dict) -> str:
    return json.dumps(resource, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def fhir_export(*, actor, out: Path, patient_id: int | None = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"format": "intramuros-fhir-ndjson", "version": 1, "fhirVersion": "4.3.0",
                "patient": patient_id, "resources": {}}
    for name in fhir_types():
        lines = []
        for resource in sources(name):
            for obj in resource.queryset().iterator(chunk_size=2000):
                # One patient's export keeps the shared records its resources refer to (practitioners,
                # calendars, appointment types, forms): those have no patient.
                if patient_id is not None and resource.patient_of(obj) not in (None, patient_id):
                    continue
                lines.append(_dump(resource.to_fhir(obj)))
        content = "".join(line + "\n" for line in lines).encode()
        target = out / f"{name}.ndjson"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.replace(target)
        manifest["resources"][name] = {"file": target.name, "count": len(lines),
                                       "sha256": hashlib.sha256(content).hexdigest()}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    audit.record(actor=actor, action="interop.fhir.exported", patient=patient_id,
                 counts={k: v["count"] for k, v in manifest["resources"].items()})
    return manifest


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    applied: bool = False
    foreign: bool = False  # from another software: new ids, references renumbered


Batch = tuple[int, str, list[tuple[str, dict]]]  # (import order, source key, [(where, resource)])


def _is_ours(folder: Path) -> bool:
    path = folder / MANIFEST
    if not path.is_file():
        return False
    try:
        return json.loads(path.read_text()).get("format") == "intramuros-fhir-ndjson"
    except ValueError:
        return False


def _files(folder: Path, report: ImportReport) -> list[tuple[str, str | None, bytes]]:
    """(file name, resource type expected or None, content) for each NDJSON file to read."""
    if not report.foreign:
        manifest = json.loads((folder / MANIFEST).read_text())
        known, found = set(fhir_types()), []
        for name, entry in sorted(manifest.get("resources", {}).items()):
            if name not in known:
                report.errors.append(f"{name}: this software does not import that resource type")
                continue
            content = (folder / entry["file"]).read_bytes()
            if hashlib.sha256(content).hexdigest() != entry["sha256"]:
                report.errors.append(f"{entry['file']}: its content does not match the manifest (altered or "
                                     "truncated)")
                continue
            found.append((entry["file"], name, content))
        return found
    files = sorted(folder.glob("*.ndjson"))
    if not files:
        raise FhirInputError(f"{folder} holds no .ndjson file: give the folder of a FHIR NDJSON export")
    return [(f.name, None, f.read_bytes()) for f in files]


def _source(data: dict, expected: str | None, foreign: bool):
    if expected and data["resourceType"] != expected:
        raise FhirInputError(f"a {data['resourceType']} in the {expected} file")
    if foreign:
        for resource in sources(data["resourceType"]):
            if resource.foreign is not None and resource.foreign(data):
                return resource
        raise FhirInputError(f"{data['resourceType']} is imported from an Intramuros export only")
    found = source_for(data["resourceType"], str(data.get("id", "")))
    if found is None:
        raise FhirInputError(f"id {data.get('id')!r} is not one this software writes")
    return found[0]


def _read(folder: Path, report: ImportReport) -> list[Batch]:
    """Every resource of the export, validated, grouped by the record type it becomes, in import order."""
    batches: dict[str, Batch] = {}
    for file_name, expected, content in _files(folder, report):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.errors.append(f"{file_name}: not UTF-8 text")
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{file_name} line {number}"
            try:
                data = validated(json.loads(line))
                resource = _source(data, expected, report.foreign)
            except (ValueError, FhirInputError) as exc:
                report.errors.append(f"{where}: {exc}")
                continue
            batches.setdefault(resource.key, (resource.import_order, resource.key, []))[2].append((where, data))
    return sorted(batches.values(), key=lambda b: (b[0], b[1]))


def _renumber(value, ids: dict[str, str]):
    """Replace the other software's references ("Patient/abc", or absolute "https://…/Patient/abc") by the
    ids given here ("Patient/12")."""
    if isinstance(value, dict):
        return {k: (_new_reference(v, ids) if k == "reference" and isinstance(v, str) else _renumber(v, ids))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_renumber(v, ids) for v in value]
    return value


def _new_reference(reference: str, ids: dict[str, str]) -> str:
    relative = "/".join(reference.split("/_history/")[0].rstrip("/").rsplit("/", 2)[-2:])
    return ids.get(reference) or ids.get(relative) or reference


def fhir_import(*, actor, folder: Path, dry_run: bool = False, skip_rejected: bool = False) -> ImportReport:
    """Load a FHIR NDJSON folder into an empty practice; all or nothing (unless skip_rejected, for data
    coming from another software). With dry_run, report only: the import itself, rolled back."""
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError

    from intramuros.patients.models import Patient

    report = ImportReport(foreign=not _is_ours(folder))
    if Patient.all_objects.exists():
        raise FhirInputError("the practice already has patients: import only into an empty practice")
    batches = _read(folder, report)
    registry, ids = load(), {}
    with transaction.atomic():
        for _order, key, items in batches:
            resource = registry[key]
            for where, data in items:
                try:
                    with transaction.atomic():
                        if report.foreign:
                            obj = resource.from_fhir(_renumber(data, ids), actor=actor)
                            ids[f"{data['resourceType']}/{data.get('id', '')}"] = \
                                f"{resource.name}/{resource.fhir_id(obj.pk)}"
                        else:
                            resource.from_fhir(data, actor=actor, keep_id=True)
                except (ValueError, LookupError, TypeError, ValidationError, DatabaseError) as exc:
                    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    report.errors.append(f"{where}: {text}")
                    continue
                report.counts[resource.name] = report.counts.get(resource.name, 0) + 1
        if dry_run or (report.errors and not (report.foreign and skip_rejected)):
            transaction.set_rollback(True)
        else:
            if not report.foreign:
                models = list({m for r in registry.values() for m in (r.model_class, *r.also_models) if m})
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), models):
                        cursor.execute(sql)
            report.applied = True
    audit.record(actor=actor, action="interop.fhir.imported" if report.applied else "interop.fhir.import_refused",
                 counts=report.counts, errors=len(report.errors), foreign=report.foreign, dry_run=dry_run)
    return report
