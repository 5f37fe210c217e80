"""The folder a restore sets the replaced files aside in is never one an earlier restore already used."""

import stat

from intramuros.backup import services


def test_set_asides_in_the_same_second_each_get_their_own_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(services.time, "strftime", lambda fmt: "20261129T085959")
    (tmp_path / "before-restore-20261129T085959-2").mkdir()  # taken by another process in between
    asides = [services._set_aside_folder(tmp_path) for _ in range(3)]
    assert [a.name for a in asides] == ["before-restore-20261129T085959", "before-restore-20261129T085959-3",
                                        "before-restore-20261129T085959-4"]
    for aside in asides:
        assert aside.parent == tmp_path and not any(aside.iterdir())
        assert stat.S_IMODE(aside.stat().st_mode) == 0o700
