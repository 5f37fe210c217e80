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


@dataclass
class Column:
    index: int
    title: str
    day: datetime.date
    calendar_id: int
    subtitle: str = ""
    items: list = field(default_factory=list)
    html: str = ""


def time_labels() -> list[dict]:
    labels = []
    t = datetime.datetime.combine(datetime.date.today(), DAY_START)
    end = datetime.datetime.combine(datetime.date.today(), DAY_END)
    while t < end:
        labels.append({"text": f"{t:%H:%M}", "cls": f"gr-{_row(t)} gs-{60 // ROW_MINUTES}"})
        t += datetime.timedelta(hours=1)
    return labels


def build_column(*, index: int, title: str, day: datetime.date, calendar_id: int, appointments, busy, hours,
                 holiday: str = "", subtitle: str = "", link_free: bool = True) -> Column:
    """One column: free cells, unavailability blocks and appointments of `day` on one calendar.

    The markup is assembled here (every text escaped) rather than in the template: a week has hundreds
    of cells, and the template engine would spend most of the request's time on them.
    """
    col = Column(index=index, title=title, day=day, calendar_id=calendar_id, subtitle=holiday or subtitle)
    gc = f"gc-{index + 1}"
    parts: list[str] = []
    busy_local = busy  # (start, end, reason), naive local
    day_start = datetime.datetime.combine(day, DAY_START)
    day_end = datetime.datetime.combine(day, DAY_END)
    ranges = hours.get(day.weekday(), []) if hours is not None else None
    if link_free:
        base = f"{reverse('agenda:appointment_new')}?cal={calendar_id}&amp;start={day.isoformat()}T"
        book_at = escape(_("Book at"))
        day_label = escape(formats.date_format(day, "D j/m"))
        span = CELL_MINUTES // ROW_MINUTES
        busy_times = [(s.time() if s.date() == day else datetime.time.min,
                       e.time() if e.date() == day else datetime.time.max) for s, e, _r in busy_local]
        for time, label, row in CELLS:
            closed = bool(holiday) or (ranges is not None and not any(a <= time < b for a, b in ranges))
            closed = closed or any(a <= time < b for a, b in busy_times)
            parts.append(f'<a class="slot {gc} gr-{row} gs-{span}{" closed" if closed else ""}" '
                         f'href="{base}{label}"><span class="visually-hidden">{book_at} {day_label}</span> '
                         f'{label}</a>')
    for start, end, reason in busy_local:
        if start < day_end and end > day_start:
            s, e = max(start, day_start), min(end, day_end)
            r = _row(s)
            text = escape(reason)
            parts.append(f'<div class="busy {gc} gr-{r} gs-{max(1, _row(e) - r)}" title="{text}">{text}</div>')
    detail = reverse("agenda:appointment", args=[0])[:-2]  # ".../appointments/" + pk + "/"
    recurring = escape(_("recurring"))
    lanes_end: list[datetime.datetime] = []
    for a in appointments:
        start, end = a.start, a.end
        if start >= day_end or end <= day_start:
            continue
        s, e = max(start, day_start), min(end, day_end)
        lane = next((i for i, last in enumerate(lanes_end) if last <= start), None)
        if lane is None:
            lane = len(lanes_end)
            lanes_end.append(end)
        else:
            lanes_end[lane] = end
        r = _row(s)
        type_cls = f" t-{a.type_id}" if a.type_id else ""
        kind = f' <span class="ty">· {escape(a.type_name)}</span>' if a.type_id else ""
        mark = f' <span aria-label="{recurring}">&#8635;</span>' if a.series_id else ""
        parts.append(f'<a class="appt {gc} gr-{r} gs-{max(1, _row(e) - r)} lane-{min(lane, 3)} st-{a.status}'
                     f'{type_cls}" href="{detail}{a.pk}/"><span class="t">{start:%H:%M}</span> '
                     f'{escape(a.patient)}{kind}{mark}</a>')
        col.items.append(a.pk)
    col.html = mark_safe("".join(parts))  # noqa: S308 - every variable part above is escaped
    return col
