"""The auditor's used-once index: the first owner of a key is kept whether the key is held
in memory or was spilled to the scratch file, and the index never answers wrongly when its
filter cannot rule a key out."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ledger.audit.used_once import UsedOnceIndex
from ledger.errors import ConfigurationError


def key(n: int, label: str = "k") -> bytes:
    return hashlib.blake2b(f"{label}{n}".encode(), digest_size=16).digest()


def test_first_owner_is_kept_in_memory_and_after_a_spill(tmp_path: Path) -> None:
    with UsedOnceIndex(memory_entries=8, spill_dir=str(tmp_path)) as index:
        for n in range(100):
            assert index.claim(key(n), key(n, "owner")) == key(n, "owner")
        assert index.spilled == 96 and len(index) == 100
        for n in range(100):  # spilled (0-95) and in memory (96-99) alike
            assert index.claim(key(n), key(n, "thief")) == key(n, "owner")
        assert len(index) == 100  # a refused claim records nothing
        assert index.lookups >= 96  # the spilled keys were read back from the file


def test_new_keys_after_a_spill_are_recorded_not_confused(tmp_path: Path) -> None:
    with UsedOnceIndex(memory_entries=4, spill_dir=str(tmp_path)) as index:
        for n in range(40):
            index.claim(key(n), b"a" * 16)
        assert index.claim(key(1000), b"b" * 16) == b"b" * 16
        assert index.claim(key(1000), b"c" * 16) == b"b" * 16


def test_a_filter_that_rules_nothing_out_still_answers_right(tmp_path: Path) -> None:
    """Eight bits for hundreds of keys: every key is a possible member, so every claim is
    looked up in the file, and new keys are still new."""
    with UsedOnceIndex(memory_entries=2, filter_bits=8, spill_dir=str(tmp_path)) as index:
        for n in range(300):
            assert index.claim(key(n), key(n, "o")) == key(n, "o")
        before = index.lookups
        for n in range(300, 400):
            assert index.claim(key(n), key(n, "o")) == key(n, "o")
        assert index.lookups - before >= 99  # the full filter sent them all to the file
        assert all(index.claim(key(n), b"x" * 16) == key(n, "o") for n in range(400))


def test_the_scratch_file_lives_in_a_private_folder_and_is_removed(tmp_path: Path) -> None:
    index = UsedOnceIndex(memory_entries=2, spill_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # nothing written before the first spill
    for n in range(5):
        index.claim(key(n), b"o" * 16)
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("skms-audit-") and folder.stat().st_mode & 0o077 == 0
    index.close()
    assert list(tmp_path.iterdir()) == [] and len(index) == 0
    assert index.claim(key(0), b"p" * 16) == b"p" * 16  # empty again, usable again
    index.close()


def test_a_chain_shorter_than_the_memory_bound_writes_no_file(tmp_path: Path) -> None:
    with UsedOnceIndex(memory_entries=1000, spill_dir=str(tmp_path)) as index:
        for n in range(999):
            index.claim(key(n), b"o" * 16)
        assert index.spilled == 0 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("settings", "field"), [
    ({"memory_entries": 0}, "memory_entries"),
    ({"filter_bits": 4}, "filter_bits"),
    ({"filter_bits": 1000}, "filter_bits"),
    ({"filter_bits": 1 << 33}, "filter_bits"),
])
def test_unusable_settings_are_refused_by_name(settings: dict[str, int], field: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        UsedOnceIndex(**settings)
    assert refused.value.field == field


def test_a_key_that_is_not_a_digest_is_refused() -> None:
    with UsedOnceIndex() as index, pytest.raises(ValueError, match="16-byte"):
        index.claim(b"short", b"o" * 16)


def test_an_unusable_scratch_folder_is_named_not_a_verdict(tmp_path: Path) -> None:
    """Not a folder (the test runs as root in CI, so permissions would not stop it)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    index = UsedOnceIndex(memory_entries=2, spill_dir=str(blocker))
    index.claim(key(0), b"o" * 16)
    with pytest.raises(ConfigurationError) as refused:
        index.claim(key(1), b"o" * 16)
    assert refused.value.field == "TMPDIR" and str(blocker) in refused.value.message
    assert len(index) == 0 and blocker.read_text() == "x"


def test_a_scratch_file_damaged_under_the_audit_is_named_not_a_verdict(tmp_path: Path) -> None:
    index = UsedOnceIndex(memory_entries=2, spill_dir=str(tmp_path))
    for n in range(4):
        index.claim(key(n), b"o" * 16)
    (folder,) = tmp_path.iterdir()
    (scratch,) = folder.iterdir()
    scratch.write_bytes(b"not a database" * 512)  # another process wrote over it
    with pytest.raises(ConfigurationError) as refused:
        index.claim(key(0), b"x" * 16)  # spilled: looked up in the file
    assert refused.value.field == "TMPDIR"
    assert list(tmp_path.iterdir()) == []  # dropped and removed
