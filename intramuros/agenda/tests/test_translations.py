import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from intramuros.agenda.timeutil import make_local


def test_dst_gap_message_in_french():
    with translation.override("fr"), pytest.raises(ValidationError) as exc:
        make_local(datetime.datetime(2026, 3, 29, 2, 30))
    assert "n’existe pas" in exc.value.messages[0] and "03:30" in exc.value.messages[0]


def test_every_message_is_translated():
    import re
    from pathlib import Path

    text = (Path(__file__).parents[1] / "locale/fr/LC_MESSAGES/django.po").read_text()
    body = text.split("\n\n", 1)[1]  # after the header entry
    assert not re.search(r'^msgstr(\[\d\])? ""\n(?!")', body, flags=re.M)
    assert "#, fuzzy" not in body
