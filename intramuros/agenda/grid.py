"""Shaping a day or week into CSS-grid placements (classes only: the CSP forbids inline styles).

Rows are 5-minute steps from DAY_START to DAY_END; free 15-minute cells are links to book there.
Everything is precomputed here so that the template only loops (the week view must stay fast).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from html import escape

from django.urls import reverse
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

DAY_START = datetime.time(7, 0)
DAY_END = datetime.time(20, 0)
ROW_MINUTES = 5
CELL_MINUTES = 15
HEADER_ROWS = 1
ROWS = (DAY_END.hour * 60 + DAY_END.minute - DAY_START.hour * 60 - DAY_START.minute) // ROW_MINUTES


def _row(t: datetime.datetime) -> int:
    minutes = t.hour * 60 + t.minute - DAY_START.hour * 60 - DAY_START.minute
    return max(0, min(ROWS, minutes // ROW_MINUTES)) + HEADER_ROWS + 1


def _cells() -> list[tuple[datetime.time, str, int]]:
    """(time, "HH:MM", first grid row) of every bookable cell of a day: the same for every column."""
    cells, t = [], datetime.datetime.combine(datetime.date(2000, 1, 3), DAY_START)
    end = datetime.datetime.combine(t.date(), DAY_END)
    while t < end:
        cells.append((t.time(), f"{t:%H:%M}", _row(t)))
        t += datetime.timedelta(minutes=CELL_MINUTES)
    return cells


CELLS = _cells()
# By minute of the day: the grid row of a time within the day's hours, and its "HH:MM" (the loops below index
# these rather than format every appointment's times).
ROW_AT = [_row(datetime.datetime(2000, 1, 3, m // 60, m % 60)) for m in range(24 * 60)]
HHMM = [f"{m // 60:02}:{m % 60:02}" for m in range(24 * 60)]
FIRST_ROW, LAST_ROW = HEADER_ROWS + 1, ROWS + HEADER_ROWS + 1
# The parts of a free cell's link that are the same in every column: (rows when open, when closed, time).
SLOT_PARTS = [(f"{row} gs-{CELL_MINUTES // ROW_MINUTES}", f"{row} gs-{CELL_MINUTES // ROW_MINUTES} closed", label)
              for _t, label, row in CELLS]

_FIRST_US = (DAY_START.hour * 60 + DAY_START.minute) * 60 * 1_000_000
_CELL_US = CELL_MINUTES * 60 * 1_000_000


def _us(t: datetime.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _mark(flags: list[bool], start: datetime.time, end: datetime.time, value: bool) -> None:
    """flags[i] = value for every cell whose start time t has start <= t < end (arithmetic, not a scan)."""
    lo = max(0, -(-(_us(start) - _FIRST_US) // _CELL_US))
    hi = min(len(flags), -(-(_us(end) - _FIRST_US) // _CELL_US))
    if hi > lo:
        flags[lo:hi] = [value] * (hi - lo)


def _hour_labels() -> str:
    labels = []
    t = datetime.datetime.combine(datetime.date(2000, 1, 3), DAY_START)
    end = datetime.datetime.combine(t.date(), DAY_END)
    while t < end:
        labels.append(f'<div class="hour gc-1 gr-{_row(t)} gs-{60 // ROW_MINUTES}">{t:%H:%M}</div>')
        t += datetime.timedelta(hours=1)
    return mark_safe("".join(labels))  # noqa: S308 - digits only


HOUR_LABELS = _hour_labels()


@dataclass
class Column:
    index: int
    title: str
    day: datetime.date
    calendar_id: int
    subtitle: str = ""
    items: list = field(default_factory=list)
    html: str = ""
    head: str = ""


@dataclass(frozen=True)
class Texts:
    """What every column repeats (links, translated words): computed once per page rather than per column."""

    new_url: str
    detail_url: str
    day_url: str
    book_at: str
    recurring: str
    day_labels: dict = field(default_factory=dict)  # the secretary's day has ten columns of the same day
    kinds: dict = field(default_factory=dict)  # appointment type id -> (class, escaped name)

    def day_label(self, day: datetime.date) -> str:
        label = self.day_labels.get(day)
        if label is None:
            label = self.day_labels[day] = escape(formats.date_format(day, "D j/m"))
        return label


def texts() -> Texts:
    return Texts(new_url=escape(reverse("agenda:appointment_new")),
                 detail_url=escape(reverse("agenda:appointment", args=[0])[:-2]),  # ".../appointments/" + pk + "/"
                 day_url=escape(reverse("agenda:day")), book_at=escape(_("Book at")),
                 recurring=escape(_("recurring")))


def build_column(*, index: int, title: str, day: datetime.date, calendar_id: int, appointments, busy, hours,
                 holiday: str = "", subtitle: str = "", link_free: bool = True, text: Texts | None = None) -> Column:
    """One column: its header, free cells, unavailability blocks and appointments of `day` on one calendar.

    The markup is assembled here (every text escaped) rather than in the template: a week has hundreds
    of cells, and the template engine would spend most of the request's time on them.
    """
    text = text or texts()
    col = Column(index=index, title=title, day=day, calendar_id=calendar_id, subtitle=holiday or subtitle)
    gc = f"gc-{index + 1}"
    day_label = text.day_label(day)
    col.head = mark_safe(  # noqa: S308 - every variable part is escaped
        f'<div class="col-head {gc} gr-1" role="columnheader">'
        + (f"<strong>{escape(col.title)}</strong><br>" if col.title else "")
        + f'<a href="{text.day_url}?cal={calendar_id}&amp;date={day.isoformat()}">{day_label}</a>'
        + (f'<br><span class="badge warn">{escape(col.subtitle)}</span>' if col.subtitle else "") + "</div>")
    parts: list[str] = []
    day_start = datetime.datetime.combine(day, DAY_START)
    day_end = datetime.datetime.combine(day, DAY_END)
    if link_free:
        ranges = hours.get(day.weekday(), []) if hours is not None else None
        closed = [bool(holiday) or ranges is not None] * len(CELLS)  # closed unless in opening hours
        if not holiday:
            for a, b in ranges or ():
                _mark(closed, a, b, False)
            for s, e, _r in busy:  # (start, end, reason), naive local
                _mark(closed, s.time() if s.date() == day else datetime.time.min,
                      e.time() if e.date() == day else datetime.time.max, True)
        head = f'<a class="slot {gc} gr-'
        tail = f'" href="{text.new_url}?cal={calendar_id}&amp;start={day.isoformat()}T'
        hidden = f'"><span class="visually-hidden">{text.book_at} {day_label}</span> '
        parts += [f"{head}{shut_rows if shut else open_rows}{tail}{label}{hidden}{label}</a>"
                  for (open_rows, shut_rows, label), shut in zip(SLOT_PARTS, closed, strict=True)]
    for start, end, reason in busy:
        if start < day_end and end > day_start:
            s, e = max(start, day_start), min(end, day_end)
            r = _row(s)
            shown = escape(reason)
            parts.append(f'<div class="busy {gc} gr-{r} gs-{max(1, _row(e) - r)}" title="{shown}">{shown}</div>')
    detail, recurring, kinds = text.detail_url, text.recurring, text.kinds
    lanes_end: list[datetime.datetime] = []
    for a in appointments:
        start, end = a.start, a.end
        if start >= day_end or end <= day_start:
            continue
        for lane, last in enumerate(lanes_end):  # the first lane free by then
            if last <= start:
                lanes_end[lane] = end
                break
        else:
            lane = len(lanes_end)
            lanes_end.append(end)
        # Within the day's hours both are on `day`: their minute of the day gives the row.
        r = ROW_AT[start.hour * 60 + start.minute] if start > day_start else FIRST_ROW
        span = max(1, (ROW_AT[end.hour * 60 + end.minute] if end < day_end else LAST_ROW) - r)
        kind = kinds.get(a.type_id)
        if kind is None:
            kind = kinds[a.type_id] = ((f" t-{a.type_id}", f' <span class="ty">· {escape(a.type_name)}</span>')
                                       if a.type_id else ("", ""))
        mark = f' <span aria-label="{recurring}">&#8635;</span>' if a.series_id else ""
        parts.append(f'<a class="appt {gc} gr-{r} gs-{span} lane-{min(lane, 3)} st-{a.status}{kind[0]}" '
                     f'href="{detail}{a.pk}/"><span class="t">{HHMM[start.hour * 60 + start.minute]}</span> '
                     f'{escape(a.patient)}{kind[1]}{mark}</a>')
        col.items.append(a.pk)
    col.html = mark_safe("".join(parts))  # noqa: S308 - every variable part above is escaped
    return col
