"""Local wall-clock time of the practice, with daylight-saving gaps refused in plain words."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

UTC = datetime.UTC


def local_tz():
    return timezone.get_default_timezone()


def make_local(naive: datetime.datetime) -> datetime.datetime:
    """An aware datetime for a wall-clock time; a time skipped by the spring change is refused.

    zoneinfo silently shifts a non-existent time (02:30 on the last Sunday of March in Paris), so we
    check the round trip and say what happened instead of booking an hour off.
    """
    if timezone.is_aware(naive):
        return naive
    tz = local_tz()
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        raise ValidationError(
            _("%(when)s does not exist in the %(zone)s time zone: the clocks go forward an hour that night. "
              "Choose another time, for instance %(after)s.")
            % {"when": date_format(naive, "SHORT_DATETIME_FORMAT"), "zone": str(tz),
               "after": back.strftime("%H:%M")},
            code="dst_gap",
        )
    return aware


def to_local_naive(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value, local_tz()).replace(tzinfo=None)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Aware start of `day` and start of the next day (both at local midnight)."""
    tz = local_tz()
    start = datetime.datetime.combine(day, datetime.time.min).replace(tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min).replace(tzinfo=tz)
    return start, end


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())
