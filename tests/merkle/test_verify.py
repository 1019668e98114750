"""Proofs we build must fail loudly once anything about them is changed.

Why named corruptions: the vectors test other people's proofs; these test that our
verifier catches each way a proof of *ours* can be damaged or forged in transit (a flipped
bit, a lost or extra hash, roots swapped, the wrong position claimed), and that every
failure is a ProofError rather than a crash or a quiet ``False``.
"""

from __future__ import annotations

import pytest

from commands.errors import answer_for
from ledger.errors import VerificationError
from ledger.merkle import (
    MerkleTree,
    ProofError,
    RootMismatchError,
    hash_leaf,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [hash_leaf(b"entry %d" % i) for i in range(80)]
TREE = MerkleTree(LEAVES)
INCLUSION_CASES = [(0, 1), (0, 2), (1, 2), (4, 5), (5, 8), (6, 7), (12, 37), (36, 37), (63, 64),
                   (64, 65), (17, 80)]
CONSISTENCY_CASES = [(1, 2), (1, 8), (2, 5), (3, 7), (4, 8), (6, 8), (7, 8), (13, 37), (32, 33),
                     (33, 64), (64, 80)]


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _inclusion(index: int, size: int) -> tuple[bytes, list[bytes], bytes]:
    return LEAVES[index], TREE.inclusion_proof(index, size), TREE.root(size)


# --- inclusion -----------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), INCLUSION_CASES)
def test_untouched_inclusion_proof_verifies(index: int, size: int) -> None:
    leaf, proof, root = _inclusion(index, size)
    verify_inclusion(leaf, index, size, proof, root)
    assert root_from_inclusion_proof(leaf, index, size, proof) == root


@pytest.mark.parametrize(("index", "size"), INCLUSION_CASES)
def test_inclusion_bit_flip_in_any_element(index: int, size: int) -> None:
    leaf, proof, root = _inclusion(index, size)
    for position in range(len(proof)):
        for bit in (0, 100, 255):
            tampered = list(proof)
            tampered[position] = _flip(proof[position], bit)
            with pytest.raises(RootMismatchError):
                verify_inclusion(leaf, index, size, tampered, root)


@pytest.mark.parametrize(("index", "size"), INCLUSION_CASES)
def test_inclusion_dropped_or_added_element(index: int, size: int) -> None:
    leaf, proof, root = _inclusion(index, size)
    variants = [[*proof, proof[-1] if proof else root], [root, *proof]]
    if proof:
        variants += [proof[:-1], proof[1:]]
    for tampered in variants:
        with pytest.raises(ProofError, match="hashes"):
            verify_inclusion(leaf, index, size, tampered, root)


@pytest.mark.parametrize(("index", "size"), INCLUSION_CASES)
def test_inclusion_wrong_leaf_or_root(index: int, size: int) -> None:
    leaf, proof, root = _inclusion(index, size)
    with pytest.raises(RootMismatchError):
        verify_inclusion(_flip(leaf, 7), index, size, proof, root)
    with pytest.raises(RootMismatchError):
        verify_inclusion(leaf, index, size, proof, TREE.root(size - 1) if size > 1 else LEAVES[1])
    with pytest.raises(RootMismatchError):
        verify_inclusion(leaf, index, size, proof, _flip(root, 0))


def test_inclusion_wrong_index_always_fails() -> None:
    # Exhaustive over every pair of positions in trees up to 64 leaves.
    for size in range(1, 65):
        root = TREE.root(size)
        for index in range(size):
            proof = TREE.inclusion_proof(index, size)
            for claimed in range(size):
                if claimed != index:
                    with pytest.raises(ProofError):
                        verify_inclusion(LEAVES[index], claimed, size, proof, root)


@pytest.mark.parametrize(("index", "size"), [(i, s) for i, s in INCLUSION_CASES if s > 1])
def test_inclusion_doubled_or_halved_size_fails(index: int, size: int) -> None:
    leaf, proof, root = _inclusion(index, size)
    for claimed in (size * 2, size // 2, 0, -size):
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, claimed, proof, root)


def test_size_is_not_authenticated_by_the_proof_alone() -> None:
    # RFC 6962 roots do not commit to the leaf count: the proof of leaf 5 in the 8-leaf
    # tree has the same shape in a 7-leaf tree. This is why size and root must come from
    # one signed checkpoint; the test pins the documented behaviour.
    leaf, proof, root = _inclusion(5, 8)
    verify_inclusion(leaf, 5, 7, proof, root)


@pytest.mark.parametrize(
    ("index", "size"),
    [(-1, 8), (8, 8), (9, 8), (2**64 - 1, 1), (2**70, 2**70), (0, 0), (0, -1), (-5, -1)],
)
def test_inclusion_out_of_range_position_is_a_proof_error(index: int, size: int) -> None:
    with pytest.raises(ProofError, match="outside"):
        verify_inclusion(LEAVES[0], index, size, [], LEAVES[0])


def test_inclusion_malformed_hash_lengths() -> None:
    leaf, proof, root = _inclusion(12, 37)
    with pytest.raises(ProofError, match="leaf hash"):
        verify_inclusion(leaf[:31], 12, 37, proof, root)
    with pytest.raises(ProofError, match="#2"):
        verify_inclusion(leaf, 12, 37, [*proof[:2], proof[2] + b"\x00", *proof[3:]], root)
    with pytest.raises(RootMismatchError):
        verify_inclusion(leaf, 12, 37, proof, root + b"\x00")


def test_huge_size_proof_length_is_checked_without_hashing() -> None:
    with pytest.raises(ProofError, match="needs 64"):
        verify_inclusion(LEAVES[0], 0, 2**64, [LEAVES[1]], LEAVES[2])


# --- consistency ---------------------------------------------------------------------


def _consistency(old: int, new: int) -> tuple[list[bytes], bytes, bytes]:
    return TREE.consistency_proof(old, new), TREE.root(old), TREE.root(new)


@pytest.mark.parametrize(("old", "new"), CONSISTENCY_CASES)
def test_untouched_consistency_proof_verifies(old: int, new: int) -> None:
    proof, old_root, new_root = _consistency(old, new)
    verify_consistency(old, new, proof, old_root, new_root)
    assert root_from_consistency_proof(old, new, proof, old_root) == new_root


@pytest.mark.parametrize(("old", "new"), CONSISTENCY_CASES)
def test_consistency_bit_flip_in_any_element(old: int, new: int) -> None:
    proof, old_root, new_root = _consistency(old, new)
    for position in range(len(proof)):
        tampered = list(proof)
        tampered[position] = _flip(proof[position], 42)
        with pytest.raises(RootMismatchError):
            verify_consistency(old, new, tampered, old_root, new_root)


@pytest.mark.parametrize(("old", "new"), CONSISTENCY_CASES)
def test_consistency_dropped_or_added_element(old: int, new: int) -> None:
    proof, old_root, new_root = _consistency(old, new)
    for tampered in (proof[:-1], proof[1:], [*proof, proof[0]], [old_root, *proof]):
        with pytest.raises(ProofError):
            verify_consistency(old, new, tampered, old_root, new_root)


@pytest.mark.parametrize(("old", "new"), CONSISTENCY_CASES)
def test_consistency_swapped_or_wrong_roots(old: int, new: int) -> None:
    proof, old_root, new_root = _consistency(old, new)
    with pytest.raises(RootMismatchError):
        verify_consistency(old, new, proof, new_root, old_root)
    with pytest.raises(RootMismatchError):
        verify_consistency(old, new, proof, _flip(old_root, 3), new_root)
    with pytest.raises(RootMismatchError):
        verify_consistency(old, new, proof, old_root, _flip(new_root, 3))


@pytest.mark.parametrize(("old", "new"), CONSISTENCY_CASES)
def test_consistency_wrong_sizes(old: int, new: int) -> None:
    proof, old_root, new_root = _consistency(old, new)
    for claimed_old, claimed_new in ((new, old), (0, new), (old, new * 2), (-old, new),
                                     (old, old), (new, new)):
        with pytest.raises(ProofError):
            verify_consistency(claimed_old, claimed_new, proof, old_root, new_root)


def test_consistency_equal_sizes() -> None:
    root = TREE.root(9)
    verify_consistency(9, 9, [], root, root)
    assert root_from_consistency_proof(9, 9, [], root) == root
    with pytest.raises(RootMismatchError):
        verify_consistency(9, 9, [], root, TREE.root(8))
    with pytest.raises(ProofError, match="empty"):
        verify_consistency(9, 9, [root], root, root)


def test_consistency_from_empty_tree_is_refused() -> None:
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 5, [], TREE.root(0), TREE.root(5))
    with pytest.raises(ProofError):
        verify_consistency(0, 0, [], TREE.root(0), TREE.root(0))


def test_consistency_malformed_hash_lengths() -> None:
    proof, old_root, new_root = _consistency(13, 37)
    with pytest.raises(ProofError, match="old root"):
        verify_consistency(13, 37, proof, old_root[:16], new_root)
    with pytest.raises(ProofError, match="#0"):
        verify_consistency(13, 37, [proof[0][:-1], *proof[1:]], old_root, new_root)


# --- error objects -------------------------------------------------------------------


def test_root_mismatch_error_carries_both_roots() -> None:
    leaf, proof, root = _inclusion(12, 37)
    wrong = _flip(root, 1)
    with pytest.raises(RootMismatchError) as caught:
        verify_inclusion(leaf, 12, 37, proof, wrong)
    error = caught.value
    assert error.expected == wrong
    assert error.computed == root
    assert wrong.hex() in str(error) and root.hex() in str(error)
    assert isinstance(error, ProofError) and isinstance(error, VerificationError)
    assert error.check == "merkle.inclusion"
    assert answer_for(error).exit == 1
