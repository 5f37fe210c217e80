"""Atomic writes: the target is the old file or the new one, never a part, and no temporary file stays."""

import stat

import pytest

from intramuros.core import files


def test_the_file_is_replaced_whole_owner_only_and_leaves_nothing_beside(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    files.write_atomically(target, b"new" * 100_000)
    assert target.read_bytes() == b"new" * 100_000
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path, monkeypatch):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        files.write_atomically(target, b"new", suffix=".rekey")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]
