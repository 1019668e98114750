"""Tree building checked against a naive transcription of RFC 9162 §2.1.

Why a second implementation: the fast builders use level pairing and index walks that
look nothing like the RFC's recursive definitions. The reference below is the RFC text
transcribed as literally as Python allows (recursion over list slices), too slow for
real logs but easy to check by eye, and the builders must agree with it everywhere.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.merkle import (
    LEAF_PREFIX,
    NODE_PREFIX,
    CompactRange,
    MerkleTree,
    consistency_proof,
    empty_root,
    hash_children,
    hash_leaf,
    inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# --- RFC 9162 §2.1, transcribed -----------------------------------------------------


def _k(n: int) -> int:
    """Largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    """MTH over leaf *hashes* (the RFC hashes entries at the leaves; ours come hashed)."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# --- fixtures ------------------------------------------------------------------------

LEAVES = [hash_leaf(i.to_bytes(4, "big")) for i in range(301)]
CROSS_CHECK_SIZES = range(1, 71)


def test_hasher_constants_and_known_values() -> None:
    assert LEAF_PREFIX == b"\x00"
    assert NODE_PREFIX == b"\x01"
    assert empty_root().hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    # RFC 6962 reference tree: the leaf hash of the empty entry.
    assert hash_leaf(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert hash_children(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


def test_roots_agree_with_reference_for_sizes_0_to_300() -> None:
    compact = CompactRange()
    grown = MerkleTree()
    for size in range(301):
        expected = ref_mth(LEAVES[:size])
        assert root_from_leaf_hashes(LEAVES[:size]) == expected, size
        assert compact.root() == expected, size
        assert compact.size == size
        assert grown.root() == expected, size
        compact.append(LEAVES[size])
        grown.append(LEAVES[size])
    built = MerkleTree(LEAVES[:300])
    for size in range(301):
        assert built.root(size) == ref_mth(LEAVES[:size])


@pytest.mark.parametrize("size", CROSS_CHECK_SIZES)
def test_inclusion_proofs_agree_with_reference(size: int) -> None:
    leaves = LEAVES[:size]
    tree = MerkleTree(LEAVES[: size + 3])  # extra leaves: proofs for an older size
    root = ref_mth(leaves)
    for index in range(size):
        expected = ref_path(index, leaves)
        assert inclusion_proof(LEAVES, index, size) == expected, index
        assert tree.inclusion_proof(index, size) == expected, index
        verify_inclusion(leaves[index], index, size, expected, root)


@pytest.mark.parametrize("new_size", CROSS_CHECK_SIZES)
def test_consistency_proofs_agree_with_reference(new_size: int) -> None:
    leaves = LEAVES[:new_size]
    tree = MerkleTree(LEAVES[: new_size + 3])
    new_root = ref_mth(leaves)
    for old_size in range(1, new_size + 1):
        expected = ref_proof(old_size, leaves)
        assert consistency_proof(LEAVES, old_size, new_size) == expected, old_size
        assert tree.consistency_proof(old_size, new_size) == expected, old_size
        verify_consistency(old_size, new_size, expected, ref_mth(leaves[:old_size]), new_root)


def test_default_sizes_are_the_whole_tree() -> None:
    tree = MerkleTree(LEAVES[:13])
    assert tree.size == 13
    assert tree.inclusion_proof(4) == inclusion_proof(LEAVES, 4, 13)
    assert tree.consistency_proof(5) == consistency_proof(LEAVES, 5, 13)
    assert tree.root() == root_from_leaf_hashes(LEAVES[:13])


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=1, max_value=5000), data=st.data())
def test_cached_tree_matches_one_shot_builders(size: int, data: st.DataObject) -> None:
    leaves = [hash_leaf(i.to_bytes(4, "big")) for i in range(size)]
    tree = MerkleTree(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    assert tree.inclusion_proof(index) == inclusion_proof(leaves, index, size)
    assert tree.consistency_proof(old) == consistency_proof(leaves, old, size)
    root = tree.root()
    verify_inclusion(leaves[index], index, size, tree.inclusion_proof(index), root)
    verify_consistency(old, size, tree.consistency_proof(old), tree.root(old), root)


# --- CompactRange persistence ------------------------------------------------------


def test_compact_range_state_is_one_hash_per_set_bit() -> None:
    compact = CompactRange()
    for size in range(1, 130):
        compact.append(LEAVES[size - 1])
        assert len(compact.to_state()) == bin(size).count("1")


@pytest.mark.parametrize("saved_at", [0, 1, 2, 3, 7, 8, 63, 64, 65, 100, 255])
def test_compact_range_round_trip_then_continue(saved_at: int) -> None:
    writer = CompactRange()
    writer.extend(LEAVES[:saved_at])
    size, state = writer.size, writer.to_state()

    restored = CompactRange.from_state(size, state)
    assert restored.size == saved_at
    assert restored.root() == writer.root()
    assert restored.to_state() == state
    # The restart must be invisible: keep appending and compare with a fresh build.
    for offset in range(saved_at, 300):
        restored.append(LEAVES[offset])
        if offset % 17 == 0:
            assert restored.root() == root_from_leaf_hashes(LEAVES[: offset + 1])
    assert restored.root() == root_from_leaf_hashes(LEAVES[:300])


def test_compact_range_state_is_a_copy() -> None:
    compact = CompactRange()
    compact.extend(LEAVES[:5])
    state = compact.to_state()
    state.clear()
    assert len(compact.to_state()) == 2


@pytest.mark.parametrize(
    ("size", "hashes"),
    [
        (-1, []),
        (3, [LEAVES[0]]),  # 3 = 0b11 needs two subtree roots
        (4, [LEAVES[0], LEAVES[1]]),
        (0, [LEAVES[0]]),
        (1, [b"\x00" * 31]),
    ],
    ids=["negative", "too-few", "too-many", "empty-with-hash", "short-hash"],
)
def test_compact_range_rejects_corrupt_state(size: int, hashes: list[bytes]) -> None:
    with pytest.raises(InvalidInput):
        CompactRange.from_state(size, hashes)


# --- argument checking ---------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), [(-1, 5), (5, 5), (0, 0), (0, 11), (9, 11)])
def test_inclusion_builder_rejects_bad_arguments(index: int, size: int) -> None:
    with pytest.raises(InvalidInput):
        inclusion_proof(LEAVES[:10], index, size)
    with pytest.raises(InvalidInput):
        MerkleTree(LEAVES[:10]).inclusion_proof(index, size)


@pytest.mark.parametrize(("old", "new"), [(0, 5), (-1, 5), (6, 5), (3, 11), (0, 0)])
def test_consistency_builder_rejects_bad_arguments(old: int, new: int) -> None:
    with pytest.raises(InvalidInput):
        consistency_proof(LEAVES[:10], old, new)
    with pytest.raises(InvalidInput):
        MerkleTree(LEAVES[:10]).consistency_proof(old, new)


def test_builders_reject_malformed_leaf_hashes() -> None:
    bad = [*LEAVES[:4], b"short", *LEAVES[5:8]]
    with pytest.raises(InvalidInput, match="#4"):
        root_from_leaf_hashes(bad)
    with pytest.raises(InvalidInput):
        inclusion_proof(bad, 0, 8)
    with pytest.raises(InvalidInput):
        consistency_proof(bad, 2, 8)
    with pytest.raises(InvalidInput):
        MerkleTree(bad)
    with pytest.raises(InvalidInput):
        CompactRange().append(b"short")
    with pytest.raises(InvalidInput):
        MerkleTree().append(b"")
    with pytest.raises(InvalidInput):
        MerkleTree(LEAVES[:3]).root(4)
