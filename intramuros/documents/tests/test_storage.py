import os

import pytest

from intramuros.documents.storage import StoreError, read_bytes, store_bytes, stored_path

pytestmark = pytest.mark.django_db


def test_store_round_trip_keeps_bytes_and_fingerprint():
    data = b"%PDF-1.7 some bytes \x00\xff" * 100
    stored = store_bytes(data, kind="upload")
    assert stored.size == len(data)
    assert stored.content_type == "application/pdf"
    assert len(stored.sha256) == 64
    assert read_bytes(stored) == data


def test_file_on_disk_is_encrypted_and_owner_only():
    data = b"Jeanne Martin, diabetes, HbA1c 7.2 %"
    stored = store_bytes(data, kind="upload")
    full = stored_path(stored)
    on_disk = full.read_bytes()
    assert b"Jeanne" not in on_disk
    assert os.stat(full).st_mode & 0o077 == 0
    assert not any(p.name.endswith(".tmp") for p in full.parent.iterdir())


def test_same_content_twice_gives_different_ciphertexts():
    a = store_bytes(b"same", kind="upload")
    b = store_bytes(b"same", kind="upload")
    assert stored_path(a).read_bytes() != stored_path(b).read_bytes()


def test_flipped_byte_is_detected_with_a_clear_error():
    stored = store_bytes(b"x" * 1000, kind="upload")
    full = stored_path(stored)
    blob = bytearray(full.read_bytes())
    blob[500] ^= 0x01
    full.write_bytes(bytes(blob))
    with pytest.raises(StoreError, match="altered or damaged"):
        read_bytes(stored)


def test_file_swapped_with_another_ones_is_refused():
    # The file id is the associated data: another document's ciphertext cannot pass for this one.
    a = store_bytes(b"patient A scan", kind="upload")
    b = store_bytes(b"patient B scan", kind="upload")
    stored_path(a).write_bytes(stored_path(b).read_bytes())
    with pytest.raises(StoreError, match="altered or damaged"):
        read_bytes(a)


def test_recorded_fingerprint_mismatch_is_refused():
    stored = store_bytes(b"abc", kind="upload")
    stored.sha256 = "0" * 64
    with pytest.raises(StoreError, match="fingerprint"):
        read_bytes(stored)


def test_missing_file_says_so():
    stored = store_bytes(b"abc", kind="upload")
    stored_path(stored).unlink()
    with pytest.raises(StoreError, match="missing"):
        read_bytes(stored)


def test_path_outside_the_store_is_refused():
    stored = store_bytes(b"abc", kind="upload")
    stored.path = "../../etc/passwd"
    with pytest.raises(StoreError, match="invalid location"):
        read_bytes(stored)
