import datetime

import pytest
from django.db import connection

from intramuros.audit.models import AuditEvent
from intramuros.patients.selectors import parse_query, patient_search
from intramuros.testing.personas import make_patient


@pytest.fixture
def people(db, dr_alice):
    return {
        "jean": make_patient(birth_name="Dupont", first_names="Jean Marc", sex="M",
                             birth_date=datetime.date(1975, 3, 14), nir="175037510812365",
                             phone_mobile="06 12 34 56 78"),
        "jeanne": make_patient(birth_name="Dupont", first_names="Jeanne", sex="F",
                               birth_date=datetime.date(1980, 7, 1), nir="", phone_mobile="07 11 22 33 44"),
        "helene": make_patient(birth_name="Lefèvre", used_name="Écuyer", first_names="Hélène", sex="F",
                               birth_date=datetime.date(1975, 11, 2), nir="", phone_mobile="",
                               phone_home="03 88 12 34 56"),
        "paul": make_patient(birth_name="Martin", first_names="Paul", sex="M",
                             birth_date=datetime.date(2001, 3, 5), nir="", phone_mobile="06 99 88 77 66"),
        "goff": make_patient(birth_name="Le Goff", first_names="Yann", sex="M",
                             birth_date=datetime.date(1990, 1, 1), nir="", phone_mobile=""),
    }


def names(results):
    return {f"{p.birth_name} {p.first_names}" for p in results}


@pytest.mark.parametrize("text, expected", [
    ("DUPONT jean", {"Dupont Jean Marc", "Dupont Jeanne"}),
    ("dupont j", {"Dupont Jean Marc", "Dupont Jeanne"}),
    ("dupont jeanne", {"Dupont Jeanne"}),
    ("jean dupont", {"Dupont Jean Marc", "Dupont Jeanne"}),
    ("dupont marc", {"Dupont Jean Marc"}),
    ("1975", {"Dupont Jean Marc", "Lefèvre Hélène"}),
    ("03/1975", {"Dupont Jean Marc"}),
    ("14/03/1975", {"Dupont Jean Marc"}),
    ("14031975", {"Dupont Jean Marc"}),
    ("14/03", {"Dupont Jean Marc"}),
    ("dupont 1980", {"Dupont Jeanne"}),
    ("06 12", {"Dupont Jean Marc"}),
    ("0612", {"Dupont Jean Marc"}),
    ("06.12.34", {"Dupont Jean Marc"}),
    ("+33 6 12", {"Dupont Jean Marc"}),
    ("03 88", {"Lefèvre Hélène"}),
    ("1 75 03", {"Dupont Jean Marc"}),
    ("175037510812365", {"Dupont Jean Marc"}),
    ("lefevre", {"Lefèvre Hélène"}),
    ("LEFÈVRE hel", {"Lefèvre Hélène"}),
    ("ecuyer", {"Lefèvre Hélène"}),
    ("helene", {"Lefèvre Hélène"}),
    ("goff", {"Le Goff Yann"}),
    ("le goff", {"Le Goff Yann"}),
    ("zzz", set()),
    ("!!", set()),
])
def test_search_finds_by_names_dates_phones_and_nir(people, dr_alice, text, expected):
    assert names(patient_search(user=dr_alice, text=text)) == expected


def test_secretary_can_search_too(people, bob_secretary):
    assert names(patient_search(user=bob_secretary, text="dupont jeanne")) == {"Dupont Jeanne"}


def test_admin_without_identity_access_cannot_search(people, admin_eve):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        patient_search(user=admin_eve, text="dupont")


def test_deleted_patients_are_not_found(people, dr_alice):
    people["jeanne"].soft_delete(by=dr_alice)
    assert names(patient_search(user=dr_alice, text="dupont")) == {"Dupont Jean Marc"}


def test_every_search_is_audited_with_its_text(people, dr_alice):
    before = AuditEvent.objects.count()
    patient_search(user=dr_alice, text="dupont j")
    assert AuditEvent.objects.count() == before + 1  # one row per search
    event = AuditEvent.objects.filter(action="patients.search").latest("seq")
    assert event.actor == dr_alice
    assert event.detail["query"] == "dupont j" and event.detail["length"] == len("dupont j")
    assert event.detail["results"] == 2


def test_a_long_search_text_is_audited_cut_short(people, dr_alice):
    text = "dupont " + "x" * 500
    patient_search(user=dr_alice, text=text)
    event = AuditEvent.objects.filter(action="patients.search").latest("seq")
    assert event.detail["query"] == text[:80] and event.detail["length"] == len(text)


def test_most_recently_updated_come_first(people, dr_alice):
    people["jean"].city = "Colmar"
    people["jean"].save()
    results = patient_search(user=dr_alice, text="dupont")
    assert results[0].pk == people["jean"].pk


def test_limit_is_respected(people, dr_alice):
    assert len(patient_search(user=dr_alice, text="1975", limit=1)) == 1


def test_query_parsing_recognises_each_kind():
    assert parse_query("Dupont  J").words == ["dupont", "j"]
    assert parse_query("06 12 34").phone == "061234"
    assert parse_query("2 75 03").nir == "27503"
    assert parse_query("275032a123").nir == "275032A123"
    assert len(parse_query("1975").dates) == 1
    assert parse_query("31/02/1975").dates == []  # impossible date: not a criterion, and not a crash


def _appointment_today(patient, practitioner):
    """An appointment today in the agenda app, when it exists (the search ranks today's patients first)."""
    import datetime as dt

    from django.apps import apps
    from django.db import connection
    from django.utils import timezone

    try:
        Appointment = apps.get_model("agenda", "Appointment")
        Calendar = apps.get_model("agenda", "Calendar")
    except LookupError:
        pytest.skip("no agenda app")
    if Appointment._meta.db_table not in connection.introspection.table_names():
        pytest.skip("agenda not migrated")
    calendar = Calendar.objects.filter(practitioner=practitioner).first() or Calendar.objects.create(
        name="Dr Alice", practitioner=practitioner)
    start = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    return Appointment.objects.create(calendar=calendar, patient=patient, start=start,
                                      end=start + dt.timedelta(minutes=15))


def test_patients_seen_today_come_first(people, dr_alice):
    people["jean"].city = "Colmar"
    people["jean"].save()  # the most recently updated...
    _appointment_today(people["jeanne"], dr_alice)  # ...but Jeanne comes today
    results = patient_search(user=dr_alice, text="dupont")
    assert [p.pk for p in results] == [people["jeanne"].pk, people["jean"].pk]
    assert results[0].seen_today == 0 and results[1].seen_today == 1


def test_todays_patient_comes_first_even_beyond_the_ranked_candidates(people, dr_alice, monkeypatch):
    from intramuros.patients import selectors

    monkeypatch.setattr(selectors, "CANDIDATES", 1)
    first_in_index = next(selectors.search_strategies(parse_query("dupont"))).order_by().values_list(
        "pk", flat=True)[0]
    today = next(p for key, p in people.items() if key in ("jean", "jeanne") and p.pk != first_in_index)
    _appointment_today(today, dr_alice)
    results = patient_search(user=dr_alice, text="dupont")
    assert results[0].pk == today.pk and results[0].seen_today == 0
    assert first_in_index in [p.pk for p in results]


@pytest.mark.parametrize("candidates", [120, 3])
def test_the_prepared_search_ranks_exactly_as_the_general_one(db, dr_alice, monkeypatch, candidates):
    """find_patients runs the usual search as prepared statements: same patients, same order."""
    import random

    from intramuros.patients import selectors

    if candidates < 60 and connection.vendor != "sqlite":
        pytest.skip("past CANDIDATES, which matches come first is the order of SQLite's walk of the indexes")
    monkeypatch.setattr(selectors, "CANDIDATES", candidates)
    rng = random.Random(5)
    surnames = ["Dupont", "Dupond", "Durand", "Dubois", "Martin", "Marchand", "Le Goff", "Lefèvre"]
    firsts = ["Jean", "Jeanne", "Marc", "Marie", "Paul", "Yann", "Hélène"]
    made = [make_patient(birth_name=rng.choice(surnames), first_names=rng.choice(firsts), sex="F",
                         birth_date=datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), nir="",
                         phone_mobile="") for i in range(60)]
    for patient in rng.sample(made, 8):
        _appointment_today(patient, dr_alice)
    for patient in rng.sample(made, 20):
        patient.city = "Colmar"
        patient.save()  # a more recent update
    for text in ("du", "dup", "dupont", "dupont je", "ma", "mar", "le g", "lef", "jean", "yann le", "zz"):
        words = parse_query(text).words
        general = selectors._rank(next(selectors.search_strategies(parse_query(text))),
                                  set(selectors.todays_patient_ids()), 10)
        prepared = selectors._phrase_search(" ".join(words), 10)
        assert [(p.pk, p.seen_today) for p in prepared] == [(p.pk, p.seen_today) for p in general], text


def test_the_prepared_search_ranks_its_matches_from_the_covering_indexes(db):
    """Ranking a prefix's first matches reads no patient row: each name column's covering index holds them
    (on PostgreSQL, its pattern operator class serves the byte-order range)."""
    from intramuros.core.byteorder import TOP
    from intramuros.patients import selectors
    from intramuros.patients.models import NAME_COLUMNS

    statements = selectors._prepared_phrase(10, selectors.CANDIDATES)
    for column in NAME_COLUMNS:
        sql, values = statements.matches[column].statement(lo="dup", hi="dup" + TOP)
        index = f"patient_{column.removeprefix('search_')}_cover"
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", values)
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
                assert f"COVERING INDEX {index}" in plan, plan
            else:  # a test's few rows would be read whole: can the index serve the range alone?
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {sql}", values)
                plan = " ".join(row[0] for row in cursor.fetchall())
                assert f"Index Only Scan using {index}" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plans are SQLite's")
def test_todays_patients_are_found_from_the_covering_index_of_appointments(db):
    """The ids of the day's patients, read on every keystroke, come from the (start, status, patient) index
    alone (agenda/migrations/0003), not from a table page per appointment."""
    from intramuros.patients import selectors

    compiled = selectors._TODAY._compiled(selectors._today())
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", compiled.constants)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX agenda_appt_day_cover" in plan, plan


# Today's patients' names, kept per thread while the stamp that triggers rewrite on any change to a patient
# row stays the same (patients/migrations/0005_search_stamp.py).
embedded_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the stamp serves the embedded database")


def _stamp():
    from intramuros.patients import namecache

    return namecache.stamp()


@embedded_only
def test_the_stamp_and_its_triggers_exist_after_every_migration(db):
    """A migration that rebuilds patients_patient on SQLite drops its triggers: it must create them again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'patients_patient'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert triggers == {"patients_patient_stamp_insert", "patients_patient_stamp_update",
                        "patients_patient_stamp_delete"}, "re-create them (migration 0005's create_stamp)"


@embedded_only
def test_any_change_to_a_patient_row_rewrites_the_stamp(people):
    from intramuros.patients.models import Patient

    seen = [_stamp()]
    people["jean"].city = "Colmar"
    people["jean"].save()
    seen.append(_stamp())
    Patient.objects.filter(pk=people["paul"].pk).update(city="Sélestat")  # no save(), no signal
    seen.append(_stamp())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM patients_patienttag")  # another table: the stamp stays
    seen.append(_stamp())
    make_patient(birth_name="Neuf", first_names="Nouveau", sex="M", birth_date=datetime.date(2000, 1, 1))
    seen.append(_stamp())
    assert seen[0] != seen[1] != seen[2] and seen[3] == seen[2] and seen[4] != seen[3]


@embedded_only
def test_todays_patients_renamed_or_deleted_behind_the_search_are_seen_at_once(people, dr_alice):
    from django.db.models import F
    from django.utils import timezone

    from intramuros.patients.models import Patient

    _appointment_today(people["jeanne"], dr_alice)
    assert patient_search(user=dr_alice, text="dupont")[0].pk == people["jeanne"].pk  # names now kept
    # A rename written without save() (the folded column the search reads, as an import could write it).
    Patient.objects.filter(pk=people["jeanne"].pk).update(search_names="zorro jeanne", birth_name="Zorro",
                                                          updated_at=F("updated_at"))
    assert people["jeanne"].pk not in [p.pk for p in patient_search(user=dr_alice, text="dupont")]
    found = patient_search(user=dr_alice, text="zorro")
    assert [(p.pk, p.seen_today) for p in found] == [(people["jeanne"].pk, 0)]
    Patient.objects.filter(pk=people["jeanne"].pk).update(deleted_at=timezone.now())
    assert patient_search(user=dr_alice, text="zorro") == []


@embedded_only
def test_todays_patients_rows_are_not_read_again_while_none_changed(people, dr_alice):
    from django.test.utils import CaptureQueriesContext

    for patient in people.values():
        _appointment_today(patient, dr_alice)
    patient_search(user=dr_alice, text="dupont")
    with CaptureQueriesContext(connection) as queries:
        results = patient_search(user=dr_alice, text="dup")
    assert {p.pk for p in results} == {people["jean"].pk, people["jeanne"].pk}
    reads_of_many = [q["sql"] for q in queries if '"patients_patient"."id" IN (' in q["sql"]]
    assert reads_of_many == [], "today's patients were read again though none changed"
