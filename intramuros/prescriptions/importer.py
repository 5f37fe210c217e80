"""Loading or refreshing the drug catalogue from the BDPM files, all or nothing.

Every file is read and checked in full before the database is touched; the writes then happen in one
transaction (upsert by CIS code). A drug absent from the new files is never deleted: it is marked
withdrawn, so prescriptions that name it stay readable, and it leaves the search. Presentations,
compositions and the search terms are rebuilt (nothing else points to them).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from intramuros.core.text import fold
from intramuros.prescriptions import bdpm
from intramuros.prescriptions.models import (
    CatalogueImport,
    Composition,
    Drug,
    DrugTerm,
    GenericGroup,
    Presentation,
    Substance,
)

BATCH = 1000
DRUG_FIELDS = ["name", "name_folded", "form", "routes", "authorisation_status", "procedure", "marketing_status",
               "authorisation_date", "bdm_status", "eu_number", "holders", "reinforced_monitoring", "generic_group",
               "generic_type", "prescribing_conditions", "substances_folded", "withdrawn_at", "imported_at"]


@dataclass
class ImportResult:
    drugs: int = 0
    created: int = 0
    presentations: int = 0
    substances: int = 0
    withdrawn: int = 0
    skipped: list[bdpm.SkippedLine] = field(default_factory=list)
    record: CatalogueImport | None = None


@dataclass
class _Parsed:
    drugs: dict[str, dict] = field(default_factory=dict)
    presentations: dict[str, dict] = field(default_factory=dict)
    substances: dict[str, str] = field(default_factory=dict)
    compositions: list[dict] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)
    membership: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    conditions: dict[str, list[str]] = field(default_factory=dict)


def _parse(files: dict, *, report: bdpm.ParseReport, skip_bad_lines: bool, progress: bool) -> _Parsed:
    parsed = _Parsed()
    total = sum(bdpm.count_lines(p) for p in files.values()) if progress else 0
    bar = tqdm(total=total, desc="BDPM", unit=" lines", file=sys.stderr, disable=not progress, leave=False)

    def rows(spec):
        if spec not in files:
            return iter(())
        return bdpm.read_rows(files[spec], spec, report=report, skip_bad_lines=skip_bad_lines,
                              on_line=lambda: bar.update(1))

    try:
        for _n, c in rows(bdpm.SPECIALITIES):
            parsed.drugs[c[0]] = dict(
                name=c[1], form=c[2], routes=c[3], authorisation_status=c[4], procedure=c[5], marketing_status=c[6],
                authorisation_date=bdpm.parse_date(c[7]), bdm_status=c[8], eu_number=c[9],
                holders="; ".join(h.strip() for h in c[10].split(";") if h.strip()),
                reinforced_monitoring=c[11].strip().lower() == "oui")
        for number, c in rows(bdpm.PRESENTATIONS):
            cip13 = c[6]
            if not cip13.isdigit() or len(cip13) != 13:
                _bad(report, skip_bad_lines, bdpm.PRESENTATIONS, number,
                     _("%(value)r is not a CIP13 code (13 digits)") % {"value": cip13[:20]})
                continue
            c = c + [""] * (13 - len(c))
            parsed.presentations[cip13] = dict(
                cis=c[0], cip13=cip13, cip7=c[1][:7], label=c[2][:500], status=c[3], marketing_status=c[4],
                marketing_date=bdpm.parse_date(c[5]), collectivities=c[7][:20], reimbursement_rates=c[8][:60],
                price=bdpm.parse_price(c[9]), reimbursement_text=c[12])
        for _n, c in rows(bdpm.COMPOSITIONS):
            code = (c[2] or f"N:{fold(c[3])}")[:12]
            parsed.substances.setdefault(code, c[3])
            parsed.compositions.append(dict(cis=c[0], code=code, element=c[1], dosage=c[4], dosage_reference=c[5],
                                            nature="FT" if c[6].upper() == "FT" else "SA", link=c[7][:10]))
        for number, c in rows(bdpm.GENERICS):
            if not c[0].isdigit() or len(c[0]) > 12:
                _bad(report, skip_bad_lines, bdpm.GENERICS, number,
                     _("%(value)r is not a generic group number") % {"value": c[0][:20]})
                continue
            parsed.groups[c[0]] = c[1]
            try:
                gtype = int(c[3])
            except ValueError:
                gtype = None
            parsed.membership[c[2]] = (c[0], gtype)
        for _n, c in rows(bdpm.CONDITIONS):
            parsed.conditions.setdefault(c[0], []).append(c[1])
    finally:
        bar.close()
    return parsed


def _bad(report, skip_bad_lines, spec, number, problem):
    if skip_bad_lines:
        report.skipped.append(bdpm.SkippedLine(spec.name, number, problem))
        return
    raise bdpm.BdpmError(str(bdpm.SkippedLine(spec.name, number, problem)), file=spec.name, line=number)


def _fit(model, values: dict) -> dict:
    """Text cut to the column's size: a published file has no size limit, PostgreSQL does."""
    out = {}
    for key, value in values.items():
        size = getattr(model._meta.get_field(key.removesuffix("_id")), "max_length", None) \
            if key != "generic_group_id" else None
        out[key] = value[:size] if size and isinstance(value, str) else value
    return out


def _terms(text: str) -> set[str]:
    return {w[:80] for w in fold(text).replace(",", " ").replace("/", " ").replace("(", " ").replace(")", " ").split()
            if len(w) >= 2}


@transaction.atomic
def _write(parsed: _Parsed, *, source: str, progress: bool) -> ImportResult:
    now = timezone.now()
    result = ImportResult(skipped=[])
    # Generic groups and substances: upsert, never deleted (other rows may name them).
    groups = {g.group_id: g for g in GenericGroup.objects.all()}
    new_groups, changed_groups = [], []
    for gid, label in parsed.groups.items():
        g = groups.get(gid)
        if g is None:
            new_groups.append(GenericGroup(group_id=gid, label=label[:500], label_folded=fold(label)[:500]))
        elif g.label != label[:500]:
            g.label, g.label_folded = label[:500], fold(label)[:500]
            changed_groups.append(g)
    GenericGroup.objects.bulk_create(new_groups, batch_size=BATCH)
    GenericGroup.objects.bulk_update(changed_groups, ["label", "label_folded"], batch_size=BATCH)
    group_ids = dict(GenericGroup.objects.values_list("group_id", "pk"))

    substances = {s.code: s for s in Substance.objects.all()}
    new_subs, changed_subs = [], []
    for code, name in parsed.substances.items():
        s = substances.get(code)
        if s is None:
            new_subs.append(Substance(code=code, name=name[:300], name_folded=fold(name)[:300]))
        elif s.name != name[:300]:
            s.name, s.name_folded = name[:300], fold(name)[:300]
            changed_subs.append(s)
    Substance.objects.bulk_create(new_subs, batch_size=BATCH)
    Substance.objects.bulk_update(changed_subs, ["name", "name_folded"], batch_size=BATCH)
    substance_ids = dict(Substance.objects.values_list("code", "pk"))
    result.substances = len(parsed.substances)

    active_by_cis: dict[str, list[str]] = {}
    for comp in parsed.compositions:  # active substances and therapeutic fractions alike
        names = active_by_cis.setdefault(comp["cis"], [])
        name = parsed.substances[comp["code"]]
        if name not in names:
            names.append(name)

    existing = {d.cis: d for d in Drug.objects.all()}
    to_create, to_update = [], []
    for cis, values in tqdm(parsed.drugs.items(), desc="drugs", file=sys.stderr, disable=not progress, leave=False):
        gid, gtype = parsed.membership.get(cis, (None, None))
        values = dict(
            values, name=values["name"][:500], name_folded=fold(values["name"])[:500],
            form=values["form"][:300], routes=values["routes"][:300], holders=values["holders"][:500],
            generic_group_id=group_ids.get(gid) if gid else None, generic_type=gtype,
            prescribing_conditions="\n".join(parsed.conditions.get(cis, [])),
            substances_folded=" + ".join(fold(n) for n in active_by_cis.get(cis, []))[:1000],
            withdrawn_at=None, imported_at=now)
        values = _fit(Drug, values)
        drug = existing.get(cis)
        if drug is None:
            to_create.append(Drug(cis=cis, **values))
        else:
            for key, value in values.items():
                setattr(drug, key, value)
            to_update.append(drug)
    Drug.objects.bulk_create(to_create, batch_size=BATCH)
    Drug.objects.bulk_update(to_update, DRUG_FIELDS, batch_size=BATCH)
    gone = [cis for cis in existing if cis not in parsed.drugs]
    result.withdrawn = Drug.objects.filter(cis__in=gone, withdrawn_at__isnull=True).update(withdrawn_at=now) \
        if gone else 0
    drug_ids = dict(Drug.objects.values_list("cis", "pk"))
    result.drugs, result.created = len(parsed.drugs), len(to_create)

    # Rebuilt for the drugs of these files (the not-withdrawn ones, now): nothing outside the catalogue points
    # to these rows. A withdrawn drug keeps its composition and search terms (its prescriptions still need
    # them); its presentations go, they can no longer be dispensed.
    Presentation.objects.all().delete()
    Composition.objects.filter(drug__withdrawn_at__isnull=True).delete()
    DrugTerm.objects.filter(drug__withdrawn_at__isnull=True).delete()
    Presentation.objects.bulk_create(
        (Presentation(drug_id=drug_ids[p["cis"]], **_fit(Presentation, {k: v for k, v in p.items() if k != "cis"}))
         for p in parsed.presentations.values() if p["cis"] in drug_ids), batch_size=BATCH)
    result.presentations = Presentation.objects.count()
    Composition.objects.bulk_create(
        (Composition(drug_id=drug_ids[c["cis"]], substance_id=substance_ids[c["code"]], element=c["element"][:300],
                     dosage=c["dosage"][:300], dosage_reference=c["dosage_reference"][:300], nature=c["nature"],
                     link=c["link"]) for c in parsed.compositions if c["cis"] in drug_ids), batch_size=BATCH)

    def term_rows():
        for cis, values in parsed.drugs.items():
            drug_id = drug_ids[cis]
            name_terms = _terms(values["name"])
            for term in name_terms:
                yield DrugTerm(drug_id=drug_id, term=term)
            for term in set().union(*(_terms(n) for n in active_by_cis.get(cis, []))) - name_terms:
                yield DrugTerm(drug_id=drug_id, term=term, from_substance=True)

    DrugTerm.objects.bulk_create(term_rows(), batch_size=BATCH * 5)
    result.record = CatalogueImport.objects.create(
        started_at=now, finished_at=timezone.now(), source=source[:500], drugs=result.drugs,
        presentations=result.presentations, withdrawn=result.withdrawn)
    return result


def import_directory(directory: Path, *, skip_bad_lines: bool = False, progress: bool = False) -> ImportResult:
    """Read and check every file, then write in one transaction: a failure leaves the catalogue as it was."""
    files = bdpm.find_files(Path(directory))
    report = bdpm.ParseReport()
    parsed = _parse(files, report=report, skip_bad_lines=skip_bad_lines, progress=progress)
    if not parsed.drugs:
        raise bdpm.BdpmError(_("%(file)s lists no drug.") % {"file": bdpm.SPECIALITIES.name},
                             file=bdpm.SPECIALITIES.name)
    result = _write(parsed, source=str(directory), progress=progress)
    result.skipped = report.skipped
    if report.skipped and result.record:
        result.record.skipped = [str(s) for s in report.skipped][:1000]
        result.record.save(update_fields=["skipped"])
    return result
