"""Reads of patient identity: search as you type, duplicate candidates, history, merges.

Search must stay fast on 100,000 patients: every criterion is a *prefix* of an indexed folded column, so
the database walks an index range instead of scanning the table. The name columns (see
models.search_columns) are "birth first used", "used first", "first birth" and "first used": whatever
order the names are typed in ("dupont j", "jean dup", "durand jeanne"), the text is a prefix of one of them.
Phones, NIR and the ddmmyyyy birth date have their own indexed columns; years and months are date ranges.
Only the first CANDIDATES matches are ranked (today's patients, then the most recently updated), so a
two-letter search costs no more than a precise one.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.utils import timezone

from intramuros import audit
from intramuros.accounts.access import has_capability
from intramuros.agenda.models import Appointment, Status
from intramuros.core.byteorder import TOP, byte_range, starts_with
from intramuros.core.prepared import Prepared
from intramuros.core.text import fold
from intramuros.patients import namecache
from intramuros.patients.models import NAME_COLUMNS, Correspondent, Patient, PatientMerge

# The columns a result row needs: never load notes or the photo for a list.
LIST_FIELDS = ["id", "birth_name", "used_name", "first_names", "sex", "birth_date", "nir", "phone_mobile",
               "phone_home", "city", "updated_at", "deleted_at"]


def _word_in_names(word: str) -> Q:
    """`word` starts one of the words of the names (used as a filter on an already narrowed set)."""
    return Q(search_names__startswith=word) | Q(search_names__contains=" " + word)


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)  # folded name words
    dates: list[Q] = field(default_factory=list)
    phone: str = ""
    nir: str = ""

    @property
    def empty(self) -> bool:
        return not (self.words or self.dates or self.phone or self.nir)


_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_PHONE_GROUPS = re.compile(r"^0\d(?:[.\-]\d{1,2})+$")
_NIR_CORSICA = re.compile(r"^[1-478]\d{4}2[AB]\d*$", re.IGNORECASE)


def _year_range(year: int) -> Q:
    return Q(birth_date__gte=datetime.date(year, 1, 1), birth_date__lt=datetime.date(year + 1, 1, 1))


def _month_range(month: int, year: int) -> Q | None:
    if not 1 <= month <= 12:
        return None
    start = datetime.date(year, month, 1)
    end = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return Q(birth_date__gte=start, birth_date__lt=end)


def _full_year(two_digits: int) -> int:
    this_year = timezone.localdate().year
    year = 2000 + two_digits
    return year if year <= this_year else 1900 + two_digits


def _date_token(token: str) -> Q | None:
    """'14/03/1975', '14/03/75', '03/1975' or '14/03' as a birth-date criterion (None if not a date)."""
    match = _MONTH_YEAR.match(token)
    if match:
        return _month_range(int(match.group(1)), int(match.group(2)))
    match = _DATE.match(token)
    if not match:
        return None
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if year is None:  # day and month only: a prefix of the ddmmyyyy column
        return starts_with("search_birth", f"{day:02d}{month:02d}") if 1 <= day <= 31 and 1 <= month <= 12 else None
    full = int(year) if len(year) == 4 else _full_year(int(year))
    try:
        return Q(birth_date=datetime.date(full, month, day))
    except ValueError:
        return None


def _digits_criterion(digits: str, parsed: ParsedQuery) -> None:
    """Digits typed together (separators removed): a phone, a birth year, a ddmmyyyy date or a NIR start."""
    if digits.startswith("0"):
        parsed.phone = digits
    elif len(digits) == 4 and digits[:2] in ("19", "20"):
        parsed.dates.append(_year_range(int(digits)))
    elif len(digits) == 8 and _date_token(f"{digits[:2]}/{digits[2:4]}/{digits[4:]}") is not None:
        parsed.dates.append(_date_token(f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"))
    elif digits[0] in "1234789" and len(digits) >= 3:
        parsed.nir = digits[:15]
    else:
        parsed.phone = digits  # a fragment of a number without its leading 0


def parse_query(text: str) -> ParsedQuery:
    parsed = ParsedQuery()
    text = (text or "").strip()[:100]
    if text.startswith("+"):  # +33 6 12 34: an international phone, searched in its national form
        digits = "".join(ch for ch in text if ch.isdigit())
        parsed.phone = "0" + digits[2:] if digits.startswith("33") else digits
        return parsed
    pending_digits = ""
    for token in text.split():
        if token.isdigit():
            pending_digits += token
            continue
        if pending_digits:
            _digits_criterion(pending_digits, parsed)
            pending_digits = ""
        if _NIR_CORSICA.match(token):
            parsed.nir = token.upper()[:15]
            continue
        if _PHONE_GROUPS.match(token):  # 06.12.34 is a phone, 06/12/34 a date
            pending_digits += re.sub(r"\D", "", token)
            continue
        date = _date_token(token)
        if date is not None:
            parsed.dates.append(date)
            continue
        if re.fullmatch(r"[\d.\-]+", token):  # 06.12.34 or 06-12
            pending_digits += re.sub(r"\D", "", token)
            continue
        parsed.words.extend(w for w in fold(token).split() if w)
    if pending_digits:
        _digits_criterion(pending_digits, parsed)
    return parsed


def _anchor(text: str) -> Q:
    """`text` starts one of the name columns: 'dupont j' starts 'dupont jean marc ...'."""
    return Q(*[starts_with(column, text) for column in NAME_COLUMNS], _connector=Q.OR)


def _phrase_filter(words: list[str]) -> Q:
    """The usual case, exact on the indexes: the words typed in order, surname then first name or the reverse."""
    return _anchor(" ".join(words))


def _words_filter(words: list[str]) -> Q:
    """Words in any order, each starting a word of the names ('dupont marc' for Jean Marc Dupont): indexed on
    the longest word, the others checked on the rows it finds."""
    anchor_word = max(words, key=len)
    rest = Q()
    for word in words:
        if word != anchor_word:
            rest &= _word_in_names(word)
    return _anchor(anchor_word) & rest


def _appointments_between(start, end):
    """The appointments with a patient, not cancelled, starting in [start, end)."""
    return (Appointment.objects.filter(start__gte=start, start__lt=end, patient__isnull=False)
            .exclude(status=Status.CANCELLED).order_by())


_TODAY = Prepared(lambda start, end: _appointments_between(start, end).values_list("patient_id", flat=True))


def _today() -> dict:
    """Today's bounds in the practice's time zone, as `start` and `end` parameters."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return {"start": start, "end": start + datetime.timedelta(days=1)}


def todays_patient_ids() -> list[int]:
    """The ids of today's patients (an appointment today, not cancelled), ranked first by the search."""
    return sorted(set(_TODAY.list(**_today())))


# How many matches are ranked by recency. A search narrows as one types: past a few hundred matches
# ('du', '1975') what matters is to answer at once; the list is exact again a keystroke later.
CANDIDATES = 120


def _rank(qs, today_ids: set[int], limit: int) -> list[Patient]:
    """Today's patients first, then the most recently updated, without sorting thousands of rows: the first
    CANDIDATES matches in index order (the scan stops there) plus today's matching patients, ranked by the
    database, and only the page shown loaded.

    A few small statements rather than one with nested subqueries: building and compiling that one cost
    the ORM ten times what SQLite spends running it, on every keystroke."""
    ids = list(qs.order_by().values_list("pk", flat=True)[:CANDIDATES])
    if not ids:
        return []
    first: list[Patient] = []
    if today_ids:
        today = list(qs.filter(pk__in=today_ids).order_by("-updated_at", "-pk")[:limit])
        first = today
        for p in first:
            p.seen_today = 0
    shown = {p.pk for p in first}
    rest = Patient.all_objects.only(*LIST_FIELDS).filter(pk__in=[pk for pk in ids if pk not in shown])
    others = list(rest.order_by("-updated_at", "-pk")[:max(0, limit - len(first))]) if limit > len(first) else []
    for p in others:
        p.seen_today = 1
    return (first + others)[:limit]


def _other_criteria(qs, parsed: ParsedQuery):
    for date in parsed.dates:
        qs = qs.filter(date)
    if parsed.phone:
        qs = qs.filter(starts_with("search_phones", parsed.phone) | starts_with("search_phone_home", parsed.phone))
    if parsed.nir:
        qs = qs.filter(starts_with("nir", parsed.nir))
    return qs


def search_strategies(parsed: ParsedQuery) -> Iterator:
    """Querysets to try in turn until one finds someone: exact prefixes on the indexes first, then words in
    any order, then (words of 3 letters or more only) a scan for words inside names ('goff' of 'Le Goff').
    Built one at a time: the first one usually finds someone, and building a queryset has its cost."""
    qs = _other_criteria(Patient.objects.only(*LIST_FIELDS), parsed)
    words = parsed.words
    if not words:
        yield qs
        return
    yield qs.filter(_phrase_filter(words))
    if len(words) > 1:
        yield qs.filter(_words_filter(words))
    if all(len(w) >= 3 for w in words):
        scan = qs
        for word in words:
            scan = scan.filter(_word_in_names(word))
        yield scan


@dataclass(frozen=True)
class _PhraseStatements:
    matches: dict[str, Prepared]  # per name column: its first matches' (id, updated_at)
    rows: Prepared  # the rows shown, by id
    today: Prepared  # PostgreSQL: today's matching patients' ids, ranked


@cache
def _prepared_phrase(limit: int, candidates: int) -> _PhraseStatements:
    """The usual search (names typed in order, nothing else) ranked as _rank() ranks it, in statements
    compiled once: its prefixes are ranges of plain values (core.byteorder), which a statement can take.

    _rank() takes the first CANDIDATES matches of the OR of the name columns' ranges, which SQLite walks one
    column's index after the other, then reads each of their rows to rank them: ~140 pages, all read (and
    decrypted) again after another connection's commit. Here each column's first matches come with their
    update time from its covering index (Patient.Meta.indexes), and only the rows shown are read."""
    matches = {column: Prepared(lambda lo, hi, column=column: Patient.objects.filter(byte_range(column, lo, hi))
                                .order_by().values_list("pk", "updated_at")[:candidates])
               for column in NAME_COLUMNS}
    # One statement for up to `limit` ids (an id list cannot be prepared): id0 = ? OR id1 = ? ..., the
    # places left over given 0, which no patient has.
    rows = Prepared(lambda **ids: Patient.all_objects.only(*LIST_FIELDS).filter(
        Q(*[Q(pk=pk) for pk in ids.values()], _connector=Q.OR)))
    today = Prepared(lambda start, end, lo, hi: Patient.objects.filter(
        Q(*[byte_range(column, lo, hi) for column in NAME_COLUMNS], _connector=Q.OR),
        pk__in=_appointments_between(start, end).values("patient_id"),
    ).order_by("-updated_at", "-pk").values_list("pk", flat=True)[:limit])
    return _PhraseStatements(matches, rows, today)


def _first_matches(statements: _PhraseStatements, lo: str, hi: str) -> dict[int, datetime.datetime]:
    """The first CANDIDATES distinct matches, in the order the OR of the ranges yields them: each column's
    first CANDIDATES rows are enough, as at most len(found) of them were met in an earlier column."""
    found: dict[int, datetime.datetime] = {}
    for column in NAME_COLUMNS:
        for pk, updated_at in statements.matches[column].list(lo=lo, hi=hi):
            found.setdefault(pk, updated_at)
            if len(found) == CANDIDATES:
                return found
    return found


def _names_of_todays_patients() -> dict[int, namecache.Names]:
    """{id: Names} of today's patients, deleted ones left out: kept per thread while no patient row changed
    (testing their names read the row of each of them, ~200 pages on a full day, on every keystroke)."""
    return {pk: names for pk, names in namecache.names_of(todays_patient_ids()).items() if not names.deleted}


def _todays_matches(statements: _PhraseStatements, lo: str, hi: str, limit: int) -> list[int]:
    """The ids of today's patients whose names match, the most recently updated first (ties: the highest id).
    PostgreSQL reads their rows from its shared memory: one statement there."""
    if not namecache.enabled():
        return statements.today.list(lo=lo, hi=hi, **_today())
    ranked = sorted(((names.updated_at, pk) for pk, names in _names_of_todays_patients().items()
                     if any(lo <= name < hi for name in names.folded)), reverse=True)[:limit]
    return [pk for _, pk in ranked]


def _phrase_search(phrase: str, limit: int) -> list[Patient]:
    statements = _prepared_phrase(limit, CANDIDATES)
    lo, hi = phrase, phrase + TOP
    today = _todays_matches(statements, lo, hi, limit)
    shown = set(today)
    ranked = sorted(((updated_at, pk) for pk, updated_at in _first_matches(statements, lo, hi).items()
                     if pk not in shown), reverse=True)[:limit - len(today)]
    ids = today + [pk for _, pk in ranked]  # at most `limit`: one statement reads the rows of both
    if not ids:
        return []
    by_id = {p.pk: p for p in statements.rows.list(**{f"id{i}": pk for i, pk in enumerate(
        ids + [0] * (limit - len(ids)))})}
    results = [by_id[pk] for pk in ids if pk in by_id]
    for p in results:
        p.seen_today = 0 if p.pk in shown else 1
    return results


def find_patients(text: str, *, limit: int = 20) -> list[Patient]:
    """The search itself, without access check or audit: callers are patient_search and benchmarks."""
    limit = max(1, min(int(limit), 100))
    parsed = parse_query(text)
    if parsed.empty and (text or "").strip():
        return []  # only punctuation: nothing to look for
    strategies = search_strategies(parsed)
    if parsed.words and not (parsed.dates or parsed.phone or parsed.nir):
        # The first strategy, run as prepared statements: the ORM spent more building it than the database running it.
        results = _phrase_search(" ".join(parsed.words), limit)
        if results:
            return results
        next(strategies)
    today_ids = set(todays_patient_ids())
    for qs in strategies:
        results = _rank(qs, today_ids, limit)
        if results:
            return results
    return []


SEARCH_AUDIT_CHARS = 80


def patient_search(*, user, text: str, limit: int = 20) -> list[Patient]:
    """Patients matching `text` (names, birth date, phone, NIR), today's patients first. Audited."""
    if not has_capability(user, "identity.view"):
        raise PermissionDenied
    results = find_patients(text, limit=limit)
    # The text itself (cut to SEARCH_AUDIT_CHARS), so that "who looked for this name?" has an answer.
    audit.record(actor=user, action="patients.search", query=(text or "")[:SEARCH_AUDIT_CHARS],
                 length=len(text or ""), results=len(results))
    return results


# Duplicate detection -----------------------------------------------------------------------------------


def edit_distance(a: str, b: str, *, cap: int = 3) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: a swap of two neighbours counts as one typo),
    stopping early once it exceeds `cap` (names are short)."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    before, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > cap:
            return cap + 1
        before, previous = previous, current
    return previous[-1]


def _close(a: str, b: str) -> bool:
    """Same name give or take a typo: 1 edit for short names, 2 from 7 letters."""
    if not a or not b:
        return False
    a, b = a.replace(" ", ""), b.replace(" ", "")
    allowed = 1 if max(len(a), len(b)) < 7 else 2
    return edit_distance(a, b, cap=allowed) <= allowed


@dataclass
class DuplicateCandidate:
    patient: Patient
    reasons: list[str]


def _swapped(date: datetime.date) -> datetime.date | None:
    if date.day == date.month or date.day > 12:
        return None
    try:
        return date.replace(day=date.month, month=date.day)
    except ValueError:
        return None


def find_duplicates(*, birth_name: str, used_name: str = "", first_names: str, birth_date: datetime.date | None,
                    nir: str = "", exclude_pk: int | None = None) -> list[DuplicateCandidate]:
    """Existing files that may be the same person: same NIR, or close names with the same birth date
    (or the same date with day and month swapped)."""
    from django.utils.translation import gettext as _

    found: dict[int, DuplicateCandidate] = {}

    def add(patient, reason):
        found.setdefault(patient.pk, DuplicateCandidate(patient, [])).reasons.append(reason)

    if nir:
        for patient in Patient.objects.filter(nir=nir).exclude(pk=exclude_pk).only(*LIST_FIELDS)[:20]:
            add(patient, _("same social-security number"))
    if birth_date:
        dates = {birth_date: _("same birth date")}
        swapped = _swapped(birth_date)
        if swapped:
            dates[swapped] = _("birth date with day and month swapped")
        surnames = {fold(n) for n in (birth_name, used_name) if n}
        first = fold(first_names).split(" ")[0] if first_names else ""
        qs = Patient.objects.filter(birth_date__in=list(dates)).exclude(pk=exclude_pk).only(*LIST_FIELDS)
        for patient in qs[:200]:
            theirs = {fold(n) for n in (patient.birth_name, patient.used_name) if n}
            their_first = fold(patient.first_names).split(" ")[0] if patient.first_names else ""
            if any(_close(a, b) for a in surnames for b in theirs) and _close(first, their_first):
                add(patient, _("similar names, %(date)s") % {"date": dates[patient.birth_date]})
    return list(found.values())


# Other reads ------------------------------------------------------------------------------------------


def deleted_patients(*, limit: int = 200):
    return (Patient.all_objects.filter(deleted_at__isnull=False).only(*LIST_FIELDS, "deleted_by", "merged_into")
            .select_related("deleted_by").order_by("-deleted_at")[:limit])


def merge_history(*, limit: int = 200):
    return PatientMerge.objects.select_related("keep", "absorbed", "merged_by", "undone_by")[:limit]


def correspondent_search(*, text: str = "", limit: int = 50):
    qs = Correspondent.objects.all()
    for word in fold(text).split():
        qs = qs.filter(Q(search_name__startswith=word) | Q(search_name__contains=" " + word) | Q(rpps=word))
    return qs[:limit]


def correspondent_links(patient):
    return patient.correspondent_links.select_related("correspondent").filter(
        correspondent__deleted_at__isnull=True)


def _display(field, value):
    """A history value as people read it: choice labels, names for users, dd/mm/yyyy dates."""
    if value in (None, ""):
        return ""
    if field is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related else value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return value


def identity_history(patient) -> list[dict]:
    """Each version of the identity, newest first, with who, when and what changed (old -> new)."""
    records = list(patient.history.select_related("history_user").order_by("-history_date", "-history_id"))
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                try:
                    field = Patient._meta.get_field(change.field)
                except FieldDoesNotExist:  # a field removed since: show its name
                    field = None
                changes.append({"field": field.verbose_name if field else change.field,
                                "old": _display(field, change.old), "new": _display(field, change.new)})
        rows.append({"record": record, "changes": changes, "created": previous is None})
    return rows
