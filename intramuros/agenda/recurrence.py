"""RFC 5545 recurrence rules (dateutil.rrule), always bounded.

Rules are expanded in local wall-clock time from a naive local DTSTART. A rule is refused when it
yields more than MAX_OCCURRENCES within HORIZON_DAYS, whether or not it has an end: nobody books
millions of appointments, and an endless rule must not make a page (or the disk) explode.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache
from itertools import islice

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_OCCURRENCES = 500
HORIZON_DAYS = 366
_ALLOWED = re.compile(r"^[A-Z0-9=;,:+\-]+$")
_FREQS = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}
_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def build_rule(*, freq: str, interval: int = 1, count: int | None = None, until: datetime.date | None = None,
               weekdays: list[int] | None = None) -> str:
    """The RRULE text for the simple form: "every week on Tuesday, 10 times"."""
    if freq not in _FREQS:
        raise ValidationError(_("Choose how often the appointment repeats."))
    parts = [f"FREQ={_FREQS[freq]}"]
    if interval and interval > 1:
        parts.append(f"INTERVAL={int(interval)}")
    if weekdays and freq == "weekly":
        parts.append("BYDAY=" + ",".join(_DAYS[d] for d in sorted(set(weekdays))))
    if count:
        parts.append(f"COUNT={int(count)}")
    elif until:
        parts.append(f"UNTIL={until:%Y%m%d}T235959")
    return ";".join(parts)


def parse_rule(text: str, dtstart: datetime.datetime) -> rrule:
    """Parse `text` (with or without the "RRULE:" prefix) from a naive local `dtstart`; clear errors."""
    body = (text or "").strip().upper()
    if body.startswith("RRULE:"):
        body = body[6:]
    if not body or not _ALLOWED.match(body) or "FREQ=" not in body:
        raise ValidationError(_("The repeat rule is not understood: write it as in RFC 5545, e.g. "
                                "FREQ=WEEKLY;BYDAY=TU;COUNT=10."), code="rule_syntax")
    if "DTSTART" in body or "\n" in body:
        raise ValidationError(_("Give only the RRULE part of the rule; the start is the appointment's."),
                              code="rule_syntax")
    if dtstart.tzinfo is not None:
        dtstart = dtstart.replace(tzinfo=None)
    body = re.sub(r"UNTIL=(\d{8}(T\d{6})?)Z", r"UNTIL=\1", body)  # keep it naive, like dtstart
    try:
        rule = rrulestr(body, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValidationError(_("The repeat rule is not understood (%(error)s): write it as in RFC 5545, e.g. "
                                "FREQ=WEEKLY;BYDAY=TU;COUNT=10.") % {"error": exc}, code="rule_syntax") from None
    if not isinstance(rule, rrule):
        raise ValidationError(_("Give a single repeat rule."), code="rule_syntax")
    return rule


def rule_text(rule: rrule) -> str:
    """The RRULE line of a rule object, without its DTSTART."""
    lines = [ln for ln in str(rule).splitlines() if ln.startswith("RRULE:")]
    return lines[0][6:] if lines else ""


def has_end(rule: rrule) -> bool:
    return rule._count is not None or rule._until is not None  # noqa: SLF001 (dateutil has no public accessor)


def occurrences(rule: rrule, *, limit: int = MAX_OCCURRENCES) -> list[datetime.datetime]:
    """Every occurrence within the horizon; refuses a rule that yields more than `limit` there."""
    horizon = rule._dtstart + datetime.timedelta(days=HORIZON_DAYS)  # noqa: SLF001
    found = []
    for when in islice(rule, limit + 1):
        if when > horizon:
            break
        found.append(when)
    if len(found) > limit:
        raise ValidationError(
            _("This rule makes more than %(limit)s occurrences within %(days)s days: give it an end "
              "(a number of times or a last date) or make it less frequent.")
            % {"limit": limit, "days": HORIZON_DAYS}, code="rule_too_many")
    if not found:
        raise ValidationError(_("This rule makes no occurrence at all: check its days and its end."),
                              code="rule_empty")
    return found


@lru_cache(maxsize=1024)
def parse_cached(text: str, dtstart: datetime.datetime) -> rrule:
    """parse_rule for rules already validated and stored (views expand the same ones again and again)."""
    return parse_rule(text, dtstart)


COUNT_WALK_LIMIT = 10 * MAX_OCCURRENCES  # past this a COUNT is left as it is (walked on each expansion)


@lru_cache(maxsize=1024)
def window_rule(text: str, dtstart: datetime.datetime) -> rrule:
    """A stored rule ready for expanding windows: the same occurrences, with a COUNT turned into the UNTIL of its
    last occurrence, so that fast_forward can skip the periods before a window instead of walking them all
    from DTSTART on every view (a count runs from DTSTART). The walk to the last occurrence is done once."""
    rule = parse_cached(text, dtstart)
    if rule._count is None:  # noqa: SLF001
        return rule
    last = None
    for n, last in enumerate(rule, 1):  # noqa: B007
        if n > COUNT_WALK_LIMIT:
            return rule
    return rule.replace(count=None, until=last) if last is not None else rule


def fast_forward(rule: rrule, when: datetime.datetime) -> rrule:
    """The same occurrences from about `when` on, without walking every one since DTSTART.

    Only for rules without COUNT (a count runs from the original start) whose period is a fixed number of
    days or whole months; DTSTART moves by whole periods so the phase, weekday and wall-clock time are kept.
    """
    dtstart = rule._dtstart  # noqa: SLF001
    if rule._count is not None or when - dtstart < datetime.timedelta(days=62):  # noqa: SLF001
        return rule
    freq, interval = rule._freq, rule._interval  # noqa: SLF001
    if freq in (DAILY, WEEKLY):
        period = datetime.timedelta(days=interval * (7 if freq == WEEKLY else 1))
        periods = (when - dtstart) // period - 1
        return _moved(rule, dtstart + periods * period) if periods > 0 else rule
    # A day of the month given by the rule itself (dateutil keeps the key, valued None, for one taken from DTSTART):
    # otherwise DTSTART's day is the rule, and moving it onto a shorter month would change it.
    original = rule._original_rule  # noqa: SLF001
    if freq == MONTHLY and (dtstart.day <= 28 or original.get("byweekday") or original.get("bymonthday")):
        months = ((when.year - dtstart.year) * 12 + when.month - dtstart.month) // interval - 1
        if months > 0:
            return _moved(rule, dtstart + relativedelta(months=months * interval))
    return rule


@lru_cache(maxsize=512)
def _moved(rule: rrule, dtstart: datetime.datetime) -> rrule:
    """The rule from a later DTSTART; cached, as building an rrule costs more than expanding a week of it, and the
    calendars of a practice share their rules (and a week is viewed again and again)."""
    return rule.replace(dtstart=dtstart)


def between(rule: rrule, start: datetime.datetime, end: datetime.datetime, *, duration: datetime.timedelta,
            limit: int = MAX_OCCURRENCES) -> list[datetime.datetime]:
    """Occurrence starts (naive local) of events overlapping [start, end), at most `limit`."""
    after = start - duration
    if _plain_days(rule):
        return _days_between(rule, after, end, limit)
    found = []
    rule = fast_forward(rule, after)
    for when in rule.xafter(after, count=limit, inc=False):
        if when >= end:
            break
        found.append(when)
    return found


def _plain_days(rule: rrule) -> bool:
    """A DAILY or WEEKLY rule at one time of day, with nothing but INTERVAL, BYDAY (plain days), WKST and UNTIL:
    most of a practice's rules ("every weekday at 12:30", "every other Tuesday")."""
    return (rule._freq in (DAILY, WEEKLY) and rule._count is None and not rule._bysetpos  # noqa: SLF001
            and rule._bymonth is None and not rule._bymonthday and not rule._bynmonthday  # noqa: SLF001
            and rule._byyearday is None and rule._byweekno is None and rule._byeaster is None  # noqa: SLF001
            and rule._bynweekday is None and rule._tzinfo is None and len(rule._timeset) == 1)  # noqa: SLF001


def _days_between(rule: rrule, after: datetime.datetime, end: datetime.datetime,
                  limit: int) -> list[datetime.datetime]:
    """The occurrences in (after, end) of a _plain_days rule, by walking the days of the window: the same ones as
    dateutil gives (tests compare them), without building an rrule from a later start or walking its periods.

    WEEKLY: the weeks (from WKST) of DTSTART's week every INTERVAL weeks; DAILY: DTSTART's day every INTERVAL days.
    """
    dtstart, until, at = rule._dtstart, rule._until, rule._timeset[0]  # noqa: SLF001
    weekdays = rule._byweekday  # noqa: SLF001 - None: every day (DAILY without BYDAY)
    first = dtstart.date()
    if rule._freq == WEEKLY:  # noqa: SLF001
        origin = first - datetime.timedelta(days=(first.weekday() - rule._wkst) % 7)  # noqa: SLF001
        unit = 7
    else:
        origin, unit = first, 1
    interval = rule._interval  # noqa: SLF001
    found: list[datetime.datetime] = []
    day = max(first, after.date())
    one_day = datetime.timedelta(days=1)
    while len(found) < limit:
        when = datetime.datetime.combine(day, at)
        if when >= end or (until is not None and when > until):
            break
        if (when > after and when >= dtstart and (weekdays is None or day.weekday() in weekdays)
                and ((day - origin).days // unit) % interval == 0):
            found.append(when)
        day += one_day
    return found


def last_occurrence_end(rule: rrule, duration: datetime.timedelta) -> datetime.datetime | None:
    """For a rule with an end, the end of its last occurrence (naive local); None when it never ends."""
    if not has_end(rule):
        return None
    last = None
    for last in islice(rule, MAX_OCCURRENCES + 1):  # noqa: B007
        pass
    return (last or rule._dtstart) + duration  # noqa: SLF001


def truncate_before(rule: rrule, when: datetime.datetime) -> rrule:
    """The same rule, ending just before `when` (for "this and the following")."""
    return rule.replace(count=None, until=when - datetime.timedelta(seconds=1))
