import datetime

import pytest
from django.core.exceptions import ValidationError

from intramuros.agenda import recurrence, services
from intramuros.agenda.conflicts import ConflictError
from intramuros.agenda.models import Appointment, Series, Status
from intramuros.agenda.tests.conftest import TUESDAY, at
from intramuros.agenda.timeutil import to_local_naive

pytestmark = pytest.mark.django_db


def series(actor, cal, patient, rule="FREQ=WEEKLY;COUNT=10", hh=9):
    return services.appointment_book(actor=actor, calendar=cal, patient=patient, start=at(TUESDAY, hh),
                                     duration_minutes=30, rule=rule)


def test_every_tuesday_at_nine_for_ten_weeks_across_dst(dr_alice, alice_cal, jeanne_martin):
    first = series(dr_alice, alice_cal, jeanne_martin)
    appts = list(Appointment.objects.filter(series=first.series).order_by("start"))
    assert len(appts) == 10
    local = [to_local_naive(a.start) for a in appts]
    assert all(t.weekday() == 1 and t.hour == 9 and t.minute == 0 for t in local)


def test_wall_clock_kept_over_the_spring_change(dr_alice, charlie_cal, paul_durand):
    start = at(datetime.date(2027, 3, 23), 9)  # DST starts on 28 March 2027
    services.appointment_book(actor=dr_alice, calendar=charlie_cal, patient=paul_durand, start=start,
                              duration_minutes=15, rule="FREQ=WEEKLY;COUNT=3")
    hours = [to_local_naive(a.start).hour for a in Appointment.objects.order_by("start")]
    assert hours == [9, 9, 9]


def test_a_conflicting_occurrence_refuses_the_whole_series(dr_alice, alice_cal, jeanne_martin, paul_durand):
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=paul_durand,
                              start=at(TUESDAY + datetime.timedelta(weeks=4), 9), duration_minutes=15)
    with pytest.raises(ConflictError):
        series(dr_alice, alice_cal, jeanne_martin)
    assert Appointment.objects.count() == 1 and not Series.objects.exists()


@pytest.mark.parametrize("rule", ["FREQ=MINUTELY", "FREQ=DAILY;BYHOUR=9,10", "FREQ=HOURLY;COUNT=100000"])
def test_endless_or_huge_rules_are_refused(dr_alice, charlie_cal, jeanne_martin, rule):
    with pytest.raises(ValidationError) as exc:
        series(dr_alice, charlie_cal, jeanne_martin, rule=rule)
    assert "more than 500" in exc.value.messages[0]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("rule", ["FREQ=SOMETIMES", "hello", "FREQ=WEEKLY;BYDAY=XX", "DTSTART:2020;FREQ=DAILY"])
def test_malformed_rules_are_explained(dr_alice, charlie_cal, jeanne_martin, rule):
    with pytest.raises(ValidationError) as exc:
        series(dr_alice, charlie_cal, jeanne_martin, rule=rule)
    assert "rule" in exc.value.messages[0]


def test_weekly_endless_rule_is_expanded_over_the_horizon(dr_alice, charlie_cal, jeanne_martin):
    series(dr_alice, charlie_cal, jeanne_martin, rule="FREQ=WEEKLY")
    assert Appointment.objects.count() == 53  # one year of Tuesdays


def test_occurrence_in_a_dst_gap_refuses_the_series(dr_alice, charlie_cal, jeanne_martin):
    start = at(datetime.date(2027, 3, 21), 2, 30)  # Sundays at 02:30: 28 March does not have it
    with pytest.raises(ValidationError) as exc:
        services.appointment_book(actor=dr_alice, calendar=charlie_cal, patient=jeanne_martin, start=start,
                                  duration_minutes=15, rule="FREQ=WEEKLY;COUNT=3")
    assert "does not exist" in exc.value.messages[0]


def test_move_this_one_only_makes_an_exception(dr_alice, alice_cal, jeanne_martin):
    first = series(dr_alice, alice_cal, jeanne_martin)
    third = Appointment.objects.filter(series=first.series).order_by("start")[2]
    services.appointment_move(actor=dr_alice, appointment=third, start=third.start + datetime.timedelta(hours=1),
                              duration_minutes=30)
    third.refresh_from_db()
    assert third.is_exception and third.series_id == first.series_id
    others = Appointment.objects.filter(series=first.series).exclude(pk=third.pk)
    assert all(to_local_naive(a.start).hour == 9 for a in others)


def test_move_this_and_following_splits_the_series(dr_alice, alice_cal, jeanne_martin):
    first = series(dr_alice, alice_cal, jeanne_martin)
    appts = list(Appointment.objects.filter(series=first.series).order_by("start"))
    # The 5th is moved on its own first: it must not follow the series' later change.
    services.appointment_move(actor=dr_alice, appointment=appts[4], start=appts[4].start + datetime.timedelta(hours=2),
                              duration_minutes=30)
    sixth_before = to_local_naive(Appointment.objects.get(pk=appts[4].pk).start)
    services.appointment_move(actor=dr_alice, appointment=appts[3], start=at(TUESDAY + datetime.timedelta(weeks=3), 10),
                              duration_minutes=45, scope="following")
    old = Series.objects.get(pk=first.series_id)
    new = Series.objects.exclude(pk=old.pk).get()
    assert new.parent_id == old.pk
    assert "UNTIL=" in old.rule
    kept = Appointment.objects.filter(series=old).order_by("start")
    assert [to_local_naive(a.start).hour for a in kept if not a.is_exception] == [9, 9, 9]
    moved = list(Appointment.objects.filter(series=new).order_by("start"))
    assert len(moved) == 6  # 4th and 6th..10th; the 5th stayed an exception
    assert all(to_local_naive(a.start).hour == 10 and a.duration_minutes == 45 for a in moved)
    assert to_local_naive(Appointment.objects.get(pk=appts[4].pk).start) == sixth_before
    # The new rule describes the moved occurrences.
    rule = recurrence.parse_rule(new.rule, to_local_naive(new.dtstart))
    assert len(list(rule)) == 7


def test_cancel_this_and_following(dr_alice, alice_cal, jeanne_martin):
    first = series(dr_alice, alice_cal, jeanne_martin)
    appts = list(Appointment.objects.filter(series=first.series).order_by("start"))
    count = services.appointment_cancel(actor=dr_alice, appointment=appts[6], reason="Fin du suivi",
                                        scope="following")
    assert count == 4
    statuses = [a.status for a in Appointment.objects.filter(series=first.series).order_by("start")]
    assert statuses == [Status.BOOKED] * 6 + [Status.CANCELLED] * 4


def test_cancel_one_occurrence_only(dr_alice, alice_cal, jeanne_martin):
    first = series(dr_alice, alice_cal, jeanne_martin)
    second = Appointment.objects.filter(series=first.series).order_by("start")[1]
    services.appointment_cancel(actor=dr_alice, appointment=second, reason="Vacances")
    assert Appointment.objects.filter(series=first.series, status=Status.CANCELLED).count() == 1


def test_build_rule_from_simple_fields():
    assert recurrence.build_rule(freq="weekly", count=10) == "FREQ=WEEKLY;COUNT=10"
    assert recurrence.build_rule(freq="weekly", interval=2, weekdays=[1, 3],
                                 until=datetime.date(2027, 6, 30)) == \
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20270630T235959"


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=WEEKLY;INTERVAL=3", "FREQ=DAILY;INTERVAL=5",
                                  "FREQ=MONTHLY;BYDAY=1TH", "FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;INTERVAL=2",
                                  "FREQ=MONTHLY", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                                  "FREQ=WEEKLY;UNTIL=20300101T000000", "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=240"])
def test_fast_forward_gives_the_same_occurrences(rule):
    from dateutil.rrule import rrulestr

    dtstart = datetime.datetime(2025, 1, 31, 9, 30)
    parsed = recurrence.window_rule(rule, dtstart)  # as the views expand stored rules
    start, end = datetime.datetime(2027, 5, 3), datetime.datetime(2027, 6, 20)
    expected = [d for d in rrulestr(rule, dtstart=dtstart).between(start - datetime.timedelta(hours=1), end)
                if d < end]
    assert recurrence.between(parsed, start, end, duration=datetime.timedelta(hours=1)) == expected


@pytest.mark.parametrize("rule", ["FREQ=DAILY", "FREQ=DAILY;INTERVAL=3;BYDAY=MO,TU,SA", "FREQ=WEEKLY",
                                  "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,WE,SA",
                                  "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20260115T093000",
                                  "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,FR;COUNT=15"])
def test_daily_and_weekly_rules_expand_to_the_days_dateutil_gives(rule):
    """Such rules are expanded by walking the window's days (recurrence._days_between), not by dateutil."""
    from dateutil.rrule import rrulestr

    dtstart = datetime.datetime(2025, 10, 29, 9, 30)  # a Wednesday, a week before a daylight-saving change
    parsed = recurrence.window_rule(rule, dtstart)
    assert recurrence._plain_days(parsed)
    reference = rrulestr(rule, dtstart=dtstart)
    duration = datetime.timedelta(minutes=45)
    for first, days in [((2025, 10, 1), 62), ((2025, 10, 29), 1), ((2025, 11, 3), 7), ((2026, 1, 10), 14),
                        ((2026, 3, 26), 7), ((2027, 6, 1), 31)]:
        start = datetime.datetime(*first)
        end = start + datetime.timedelta(days=days)
        expected = [d for d in reference.between(start - duration, end) if d < end]
        assert recurrence.between(parsed, start, end, duration=duration) == expected, (first, days)
