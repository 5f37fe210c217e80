"""Safety checks run before a prescription is signed, all local.

- allergies of the record against the substances of each drug (folded names, their interaction classes and
  the drug's generic group);
- drug-drug interactions from the ANSM thesaurus, between the new lines and with the current treatments,
  with the thesaurus level (contre-indication, association déconseillée, précaution d'emploi, à prendre en
  compte);
- the same substance twice (two new lines, or a new line and a current treatment);
- pregnancy or breast-feeding, when the record says so.

Each finding is a `Finding`; those that are not `info` need a reason from the practitioner to go on.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intramuros.prescriptions import clinical_bridge
from intramuros.prescriptions.models import LEVEL_RANK, Drug, InteractionLevel
from intramuros.prescriptions.thesaurus import Index, key

LEVEL_LABELS = {
    "ci": gettext_lazy("Contraindication"),
    "ad": gettext_lazy("Combination not recommended"),
    "pe": gettext_lazy("Precaution for use"),
    "apec": gettext_lazy("To be taken into account"),
    "high": gettext_lazy("Serious"),
    "warn": gettext_lazy("Warning"),
    "info": gettext_lazy("For information"),
}
_SEVERITY = {"ci": 0, "high": 0, "ad": 1, "pe": 2, "warn": 2, "apec": 3, "info": 9}

# Substances to avoid in pregnancy / breast-feeding (word stems, folded), with their level. A short local
# list of well-known cases; the drug's SmPC (section 4.6) remains the reference.
PREGNANCY = {
    "isotretinoin": "ci", "acitretin": "ci", "alitretinoin": "ci", "valpro": "ci", "methotrexat": "ci",
    "mycophenol": "ci", "thalidomid": "ci", "lenalidomid": "ci", "misoprostol": "ci", "warfarin": "ci",
    "fluindion": "ci", "acenocoumarol": "ci", "leflunomid": "ci", "ribavirin": "ci", "finasterid": "ci",
    "lithium": "high", "topiramat": "high", "carbamazepin": "high", "phenytoin": "high", "amiodaron": "high",
    "ibuprofen": "high", "ketoprofen": "high", "diclofenac": "high", "naproxen": "high", "aspirin": "high",
    "acetylsalicyl": "high", "celecoxib": "high", "doxycyclin": "high", "minocyclin": "high",
    "tetracyclin": "high", "ramipril": "high", "perindopril": "high", "enalapril": "high", "lisinopril": "high",
    "captopril": "high", "losartan": "high", "valsartan": "high", "irbesartan": "high", "candesartan": "high",
    "telmisartan": "high", "olmesartan": "high", "atorvastatin": "high", "simvastatin": "high",
    "rosuvastatin": "high", "pravastatin": "high", "fluvastatin": "high",
}
PREGNANCY_CLASSES = {"anti inflammatoires non steroidiens": "high", "inhibiteurs de l enzyme de conversion": "high",
                     "antagonistes des recepteurs de l angiotensine ii": "high", "retinoides": "ci",
                     "antivitamines k": "ci", "cyclines": "high",
                     "inhibiteurs de l hmg coa reductase statines": "high"}
BREASTFEEDING = {
    "amiodaron": "ci", "lithium": "ci", "methotrexat": "ci", "isotretinoin": "ci", "acitretin": "ci",
    "mycophenol": "ci", "codein": "high", "tramadol": "high", "iod": "high", "doxycyclin": "high",
    "ciclosporin": "high", "bromocriptin": "high", "cabergolin": "high",
}


@dataclass
class Finding:
    kind: str  # allergy, interaction, duplicate, pregnancy, breastfeeding, thesaurus
    level: str  # ci / ad / pe / apec (thesaurus) or high / warn / info
    title: str
    detail: str = ""
    lines: list[int] = field(default_factory=list)

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS.get(self.level, self.level))

    @property
    def blocking(self) -> bool:
        """Needs a reason to go on (everything but information)."""
        return self.level != "info"

    def as_dict(self) -> dict:
        return dict(asdict(self), level_label=self.level_label)


@dataclass
class CheckedLine:
    """What the checks need of one line: its position, label and the substances it contains."""

    index: int
    label: str
    names: list[str]  # folded substance names (BDPM), or the label for a free-text line
    group: str = ""   # folded generic-group label
    thesaurus: set[str] = field(default_factory=set)


@functools.lru_cache(maxsize=65536)
def _plain(words: str) -> str:
    """Folded, without plural 's': 'penicillines' and 'penicilline' compare equal."""
    return " ".join(w[:-1] if len(w) > 4 and w.endswith("s") else w for w in key(words).split())


def _contains(haystack: str, needle: str) -> bool:
    return bool(needle) and f" {needle} " in f" {haystack} "


def _stem_level(names: Iterable[str], table: dict[str, str]) -> tuple[str, str] | None:
    for name in names:
        for word in key(name).split():
            for stem, level in table.items():
                if word.startswith(stem):
                    return stem, level
    return None


def describe_lines(items: list, index: Index) -> list[CheckedLine]:
    """Items are dicts or objects with `kind`, `drug` (Drug, id or None) and `label`.

    Drugs given as objects are used as they are (clean_items loads them with their generic group); ids are
    read in one query.
    """
    drug_ids = set()
    for item in items:
        drug = _get(item, "drug")
        if drug is not None and not isinstance(drug, Drug):
            drug_ids.add(int(drug))
    drugs = {d.pk: d for d in Drug.objects.filter(pk__in=drug_ids).order_by().select_related("generic_group")} \
        if drug_ids else {}
    checked = []
    for i, item in enumerate(items):
        if (_get(item, "kind") or "drug") != "drug":
            continue
        drug = _get(item, "drug")
        drug = drugs.get(int(drug)) if drug is not None and not isinstance(drug, Drug) else drug
        label = _get(item, "label") or (drug.name if drug else "")
        if drug is not None:
            names = [n for n in drug.substances_folded.split(" + ") if n] or [drug.name_folded]
            group = drug.generic_group.label_folded if drug.generic_group_id else ""
            checked.append(CheckedLine(i, label, names, group, _thesaurus(index, names, drug.name_folded)))
        else:
            names = [key(label)]
            checked.append(CheckedLine(i, label, names, "", _thesaurus(index, names)))
    return checked


def _thesaurus(index: Index, names: list[str], fallback: str = "") -> set[str]:
    """Thesaurus substances of a line: those named in its substances, else in `fallback` (the drug's name)."""
    if not index.loaded:
        return set()
    found = set().union(*(index.substances_in(n) for n in names))
    return found or (set(index.substances_in(fallback)) if fallback else found)


def describe_treatments(treatments: list[clinical_bridge.CurrentTreatment], index: Index) -> list[CheckedLine]:
    """Current treatments are free text: use the catalogue when the text is a drug's name, else the words."""
    folded = [key(t.name) for t in treatments]
    substances_by_name = {}
    if folded:
        from intramuros.core.text import fold

        rows = (Drug.objects.filter(name_folded__in={fold(t.name) for t in treatments}).order_by()
                .values_list("name_folded", "substances_folded"))
        for name_folded, substances in rows:
            substances_by_name[key(name_folded)] = substances
    checked = []
    for i, (treatment, name) in enumerate(zip(treatments, folded, strict=True)):
        substances = substances_by_name.get(name)
        names = ([n for n in substances.split(" + ") if n] if substances else []) or [name]
        checked.append(CheckedLine(i, treatment.name, names, "", _thesaurus(index, names, name)))
    return checked


def _get(item, name):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def check_allergies(lines: list[CheckedLine], allergies, index: Index) -> list[Finding]:
    findings = []
    for allergy in allergies:
        wanted = _plain(allergy.substance)
        if not wanted:
            continue
        for line in lines:
            reasons = []
            if any(_contains(_plain(n), wanted) or _contains(wanted, _plain(n)) for n in line.names):
                reasons.append(_("contains it"))
            elif any(_contains(_plain(c), wanted) for s in line.thesaurus for c in index.entities(s)):
                reasons.append(_("belongs to that class"))
            elif line.group and _contains(_plain(line.group), wanted):
                reasons.append(_("same generic group"))
            elif _contains(_plain(line.label), wanted):
                reasons.append(_("named in the drug"))
            if reasons:
                severity = "high" if allergy.severity in ("severe", "life_threatening", "") else "warn"
                findings.append(Finding(
                    "allergy", severity,
                    _("Allergy to %(substance)s: %(drug)s") % {"substance": allergy.substance, "drug": line.label},
                    "; ".join(reasons + [r for r in [allergy.reaction] if r]), [line.index]))
    return findings


def check_interactions(lines: list[CheckedLine], treatments: list[CheckedLine], index: Index) -> list[Finding]:
    findings = []
    if not index.loaded:
        return [Finding("thesaurus", "info", _("The interaction thesaurus is not loaded: interactions were not "
                                               "checked. Load it with `intramuros drugs interactions`."))]
    pairs = [(a, b, False) for i, a in enumerate(lines) for b in lines[i + 1:]]
    pairs += [(a, t, True) for a in lines for t in treatments if not _same_drug(a, t)]
    for a, b, with_treatment in pairs:
        for _sa, _sb, rule in index.between(a.thesaurus, b.thesaurus):
            other = _("current treatment %(name)s") % {"name": b.label} if with_treatment else b.label
            findings.append(Finding(
                "interaction", rule.level,
                _("%(a)s with %(b)s: %(main)s + %(plus)s") % {"a": a.label, "b": other, "main": rule.main_label,
                                                             "plus": rule.plus_label},
                " ".join(p for p in (rule.mechanism, rule.conduct) if p),
                [a.index] if with_treatment else [a.index, b.index]))
    return findings


def _same_drug(line: CheckedLine, treatment: CheckedLine) -> bool:
    """A current treatment that is this very drug (a renewal goes on with it): no interaction with itself."""
    return key(line.label) == key(treatment.label)


def _substance_keys(line: CheckedLine) -> set[str]:
    return set(line.thesaurus) or {_plain(n) for n in line.names}


def check_duplicates(lines: list[CheckedLine], treatments: list[CheckedLine]) -> list[Finding]:
    findings = []
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            same = _substance_keys(a) & _substance_keys(b)
            if same:
                findings.append(Finding("duplicate", "high", _("The same substance twice: %(a)s and %(b)s")
                                        % {"a": a.label, "b": b.label}, ", ".join(sorted(same)), [a.index, b.index]))
        for t in treatments:
            if _same_drug(a, t):
                continue
            same = _substance_keys(a) & _substance_keys(t)
            if same:
                findings.append(Finding("duplicate", "warn",
                                        _("%(a)s: the patient already takes %(b)s") % {"a": a.label, "b": t.label},
                                        ", ".join(sorted(same)), [a.index]))
    return findings


def check_reproductive(lines: list[CheckedLine], status: clinical_bridge.Reproductive,
                       index: Index) -> list[Finding]:
    findings = []
    for flag, kind, table, title in (
        (status.pregnant, "pregnancy", PREGNANCY, _("Pregnancy: %(drug)s")),
        (status.breastfeeding, "breastfeeding", BREASTFEEDING, _("Breast-feeding: %(drug)s")),
    ):
        if not flag:
            continue
        for line in lines:
            hit = _stem_level(line.names + [line.label], table)
            if not hit and kind == "pregnancy":
                classes = {c for s in line.thesaurus for c in index.entities(s)}
                cls = next((c for c in PREGNANCY_CLASSES if c in classes), None)
                hit = (cls, PREGNANCY_CLASSES[cls]) if cls else None
            if hit:
                detail = _("%(what)s is to be avoided; check the summary of product characteristics (section 4.6).") \
                    % {"what": hit[0]}
                findings.append(Finding(kind, hit[1], title % {"drug": line.label}, detail, [line.index]))
            else:
                findings.append(Finding(kind, "info", title % {"drug": line.label},
                                        _("Nothing known locally: check the summary of product characteristics "
                                          "(section 4.6)."), [line.index]))
    return findings


def run_checks(*, patient, items: list) -> list[Finding]:
    """Every check for `items` (the lines about to be signed) against the patient's record."""
    index = Index.get()
    lines = describe_lines(items, index)
    if not lines:
        return []
    treatments = describe_treatments(clinical_bridge.current_treatments(patient), index)
    findings = check_allergies(lines, clinical_bridge.allergies(patient), index)
    findings += check_interactions(lines, treatments, index)
    findings += check_duplicates(lines, treatments)
    findings += check_reproductive(lines, clinical_bridge.reproductive_status(patient), index)
    findings.sort(key=lambda f: (_SEVERITY.get(f.level, 5), f.kind))
    return findings


def needs_reason(findings: list[Finding]) -> bool:
    return any(f.blocking for f in findings)


__all__ = ["Finding", "InteractionLevel", "LEVEL_RANK", "needs_reason", "run_checks"]
