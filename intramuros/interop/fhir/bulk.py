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
                if patient_id is not None and name != "Practitioner" and resource.patient_of(obj) != patient_id:
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


def _read(folder: Path, report: ImportReport) -> list[tuple[int, str, list[tuple[int, dict]]]]:
    """Every resource of the export, validated, grouped by the record type it becomes, in import order."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise FhirInputError(f"{manifest_path} is missing: is this an Intramuros FHIR export?")
    manifest = json.loads(manifest_path.read_text())
    known = set(fhir_types())
    batches: dict[str, tuple[int, str, list]] = {}
    for name, entry in manifest.get("resources", {}).items():
        if name not in known:
            report.errors.append(f"{name}: this software does not import that resource type")
            continue
        content = (folder / entry["file"]).read_bytes()
        if hashlib.sha256(content).hexdigest() != entry["sha256"]:
            report.errors.append(f"{entry['file']}: its content does not match the manifest (altered or truncated)")
            continue
        for number, line in enumerate(content.decode("utf-8").splitlines(), start=1):
            try:
                data = validated(json.loads(line))
                if data["resourceType"] != name:
                    raise FhirInputError(f"a {data['resourceType']} in the {name} file")
                found = source_for(name, str(data.get("id", "")))
                if found is None:
                    raise FhirInputError(f"id {data.get('id')!r} is not one this software writes")
            except (ValueError, FhirInputError) as exc:
                report.errors.append(f"{entry['file']} line {number}: {exc}")
                continue
            resource = found[0]
            batches.setdefault(resource.key, (resource.import_order, resource.key, []))[2].append((number, data))
    return sorted(batches.values(), key=lambda b: (b[0], b[1]))


def fhir_import(*, actor, folder: Path, dry_run: bool = False) -> ImportReport:
    """Load an export into an empty practice; all or nothing. With dry_run, report only."""
    from intramuros.patients.models import Patient

    report = ImportReport()
    if Patient.all_objects.exists():
        raise FhirInputError("the practice already has patients: import only into an empty practice")
    batches = _read(folder, report)
    registry = load()
    with transaction.atomic():
        for _order, key, items in batches:
            resource = registry[key]
            for number, data in items:
                try:
                    with transaction.atomic():
                        resource.from_fhir(data, actor=actor, keep_id=True)
                except FhirInputError as exc:
                    report.errors.append(f"{resource.name}.ndjson line {number}: {exc}")
                    continue
                report.counts[resource.name] = report.counts.get(resource.name, 0) + 1
        if report.errors or dry_run:
            transaction.set_rollback(True)
        else:
            models = list({r.model_class for r in registry.values() if r.model_class is not None})
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
            report.applied = True
    audit.record(actor=actor, action="interop.fhir.imported" if report.applied else "interop.fhir.import_refused",
                 counts=report.counts, errors=len(report.errors))
    return report
