import datetime

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intramuros.agenda import ical, services
from intramuros.agenda.models import Calendar, Unavailability
from intramuros.agenda.tests.conftest import TUESDAY, at
from intramuros.agenda.timeutil import day_bounds

pytestmark = pytest.mark.django_db


def _range():
    start, _ = day_bounds(TUESDAY - datetime.timedelta(days=1))
    _, end = day_bounds(TUESDAY + datetime.timedelta(days=60))
    return start, end


def test_export_then_import_round_trip(dr_alice, alice_cal, charlie_cal, jeanne_martin):
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=at(TUESDAY, 9),
                              duration_minutes=30)
    hospital = services.unavailability_create(actor=dr_alice, calendar=alice_cal, start=at(TUESDAY, 14),
                                              end=at(TUESDAY, 16), reason="Hôpital", rule="FREQ=WEEKLY;COUNT=4")
    services.unavailability_skip(actor=dr_alice, item=hospital, day=TUESDAY + datetime.timedelta(weeks=2))
    start, end = _range()
    data = ical.export_ics(calendar=alice_cal, start=start, end=end)
    events = list(icalendar.Calendar.from_ical(data).walk("VEVENT"))
    assert {str(e["summary"]) for e in events} == {"MARTIN Jeanne", "Hôpital"}
    assert ical.ics_import(actor=dr_alice, calendar=charlie_cal, data=data) == 2
    imported = {u.reason: u for u in Unavailability.objects.filter(calendar=charlie_cal)}
    assert imported["MARTIN Jeanne"].start == at(TUESDAY, 9) and imported["MARTIN Jeanne"].end == at(TUESDAY, 9, 30)
    assert imported["Hôpital"].rule == "FREQ=WEEKLY;COUNT=4"
    assert imported["Hôpital"].exdates == hospital.exdates == f"{TUESDAY + datetime.timedelta(weeks=2)}T14:00"
    # Importing the same file again replaces instead of duplicating (same UIDs).
    ical.ics_import(actor=dr_alice, calendar=charlie_cal, data=data)
    assert Unavailability.objects.filter(calendar=charlie_cal).count() == 2
    exported_again = ical.export_ics(calendar=charlie_cal, start=start, end=end)
    assert exported_again.count(b"BEGIN:VEVENT") == 2


@pytest.mark.parametrize("data", [b"not a calendar at all", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n",
                                  b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                                  "\xff\xfe".encode("latin-1")])
def test_malformed_ics_is_refused_and_nothing_stored(dr_alice, alice_cal, data):
    with pytest.raises(ValidationError) as exc:
        ical.ics_import(actor=dr_alice, calendar=alice_cal, data=data)
    assert exc.value.messages[0]
    assert not Unavailability.objects.exists()


def _ics(n: int, rule: str = "") -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//"]
    for i in range(n):
        lines += ["BEGIN:VEVENT", f"UID:e{i}", f"DTSTART:2027011{i % 10}T090000Z", f"DTEND:2027011{i % 10}T100000Z",
                  "SUMMARY:x"] + ([f"RRULE:{rule}"] if rule else []) + ["END:VEVENT"]
    return ("\r\n".join(lines + ["END:VCALENDAR"]) + "\r\n").encode()


def test_too_many_events_or_too_big_is_refused(dr_alice, alice_cal):
    with pytest.raises(ValidationError) as exc:
        ical.ics_import(actor=dr_alice, calendar=alice_cal, data=_ics(ical.MAX_IMPORT_EVENTS + 1))
    assert "at most" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        ical.ics_import(actor=dr_alice, calendar=alice_cal, data=b"x" * (ical.MAX_IMPORT_BYTES + 1))


def test_an_endless_rule_in_the_file_refuses_the_whole_import(dr_alice, alice_cal):
    data = _ics(3).replace(b"SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR",
                           b"SUMMARY:x\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nEND:VCALENDAR")
    with pytest.raises(ValidationError) as exc:
        ical.ics_import(actor=dr_alice, calendar=alice_cal, data=data)
    assert "Event 3" in exc.value.messages[0] and "Nothing was imported" in exc.value.messages[0]
    assert not Unavailability.objects.exists()


def test_import_page_shows_the_error(bob_client, alice_cal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = bob_client.post(reverse("agenda:import"), {"calendar": alice_cal.pk,
                                                      "file": SimpleUploadedFile("a.ics", b"garbage")})
    assert page.status_code == 200 and "iCalendar" in page.content.decode()


def test_export_page_downloads(alice_client, alice_cal):
    response = alice_client.get(reverse("agenda:export"), {"calendar": alice_cal.pk, "first": "2027-01-01",
                                                           "last": "2027-01-31"})
    assert response["Content-Type"].startswith("text/calendar") and b"BEGIN:VCALENDAR" in response.content


def test_feed_by_secret_token_with_privacy_and_revocation(alice_client, client, dr_alice, alice_cal, jeanne_martin,
                                                          consult):
    from django.utils import timezone

    soon = timezone.localtime() + datetime.timedelta(days=2)
    services.appointment_book(actor=dr_alice, calendar=alice_cal, patient=jeanne_martin, start=soon, type=consult,
                              force=True)
    page = alice_client.post(reverse("agenda:feed", args=[alice_cal.pk]), {"action": "create", "privacy": "busy"})
    url = page.context["feed_url"]
    token = url.rsplit("/", 1)[1][:-4]
    alice_cal.refresh_from_db()
    assert alice_cal.feed_token_hash == Calendar.hash_token(token) and token not in alice_cal.feed_token_hash
    client.logout()
    feed = client.get(reverse("agenda:feed_ics", kwargs={"token": token}))
    body = feed.content.decode()
    assert feed.status_code == 200 and "BEGIN:VEVENT" in body
    assert "MARTIN" not in body and "Jeanne" not in body and "Consultation" not in body
    services.feed_privacy_set(actor=dr_alice, calendar=alice_cal, privacy="initials")
    body = client.get(reverse("agenda:feed_ics", kwargs={"token": token})).content.decode()
    assert "J.M." in body and "MARTIN" not in body and "Consultation" in body
    services.feed_token_revoke(actor=dr_alice, calendar=alice_cal)
    assert client.get(reverse("agenda:feed_ics", kwargs={"token": token})).status_code == 404
    assert client.get(reverse("agenda:feed_ics", kwargs={"token": "guess"})).status_code == 404


def test_only_the_owner_manages_a_feed(charlie_client, alice_cal):
    assert charlie_client.get(reverse("agenda:feed", args=[alice_cal.pk])).status_code == 403
