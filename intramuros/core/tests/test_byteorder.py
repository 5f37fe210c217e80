"""Prefix ranges in byte order find exactly the values that start with the prefix, on both databases."""

import pytest

from intramuros.core.byteorder import TOP, byte_range, starts_with
from intramuros.core.prepared import Prepared
from intramuros.patients.models import Patient
from intramuros.testing.personas import make_patient

pytestmark = pytest.mark.django_db

NAMES = ["Mar", "Marc", "Martin", "MARTIN", "martin", "Marx", "Maß", "Mé", "Méline", "Mb", "Ma", "M", "Émile",
         "Zoé", "Mar Tin", "Mar-tin", "Mar_tin", "Mar%", "日本"]


@pytest.mark.parametrize("prefix", ["Mar", "mar", "M", "Ma", "Mé", "É", "Mar%", "Mar_", "日", "Q", "Martin"])
def test_the_range_finds_what_starts_with_the_prefix_and_nothing_else(prefix):
    for name in NAMES:
        make_patient(birth_name=name, nir="")
    found = sorted(Patient.objects.filter(starts_with("birth_name", prefix)).values_list("birth_name", flat=True))
    assert found == sorted(n for n in NAMES if n.startswith(prefix))  # case, accents, LIKE's wildcards: as typed


def test_a_prepared_statement_takes_the_range_as_values():
    for name in NAMES:
        make_patient(birth_name=name, nir="")
    statement = Prepared(lambda lo, hi: Patient.objects.filter(byte_range("birth_name", lo, hi))
                         .values_list("birth_name", flat=True))
    for prefix in ("Mar", "Mé", "Z"):
        assert sorted(statement.list(lo=prefix, hi=prefix + TOP)) == sorted(n for n in NAMES if n.startswith(prefix))
    sql, values = statement.statement(lo="Mé", hi="Mé" + TOP)
    assert values == ["Mé", "Mé" + TOP] and "LIKE" not in sql.upper()
    # One value and its range's end made from it: the end would keep the first run's value, refused instead.
    with pytest.raises(TypeError, match="transformed by its lookup"):
        Prepared(lambda prefix: Patient.objects.filter(starts_with("birth_name", prefix))).list(prefix="Mar")
