"""The auditor's streaming Merkle state answers exactly the roots a full tree would, at the
sizes it was asked for, and keeps O(log n) hashes plus those roots."""

from __future__ import annotations

from hashlib import sha256

from ledger.audit.chain_roots import ChainRoots
from ledger.merkle.hasher import empty_root, hash_leaf
from ledger.merkle.tree import root_from_leaf_hashes


def leaves(count: int) -> list[bytes]:
    return [hash_leaf(sha256(str(n).encode()).digest()) for n in range(count)]


def test_roots_at_wanted_and_current_sizes_equal_the_full_trees() -> None:
    hashes = leaves(300)
    wanted = {0, 1, 2, 3, 7, 8, 9, 64, 129, 255, 256, 299}
    roots = ChainRoots(wanted)
    assert roots.root(0) == empty_root()
    for count, leaf in enumerate(hashes, start=1):
        roots.append(leaf)
        assert roots.size == count
        assert roots.root(count) == root_from_leaf_hashes(hashes[:count])
    for size in wanted:
        assert roots.root(size) == root_from_leaf_hashes(hashes[:size])


def test_a_size_neither_wanted_nor_kept_has_no_root() -> None:
    roots = ChainRoots({4})
    for leaf in leaves(10):
        roots.append(leaf)
    assert roots.root(5) is None
    assert roots.root(11) is None  # beyond the chain
    assert roots.root(4) == root_from_leaf_hashes(leaves(4))


def test_keep_remembers_the_current_root() -> None:
    hashes = leaves(20)
    roots = ChainRoots()
    for leaf in hashes[:6]:
        roots.append(leaf)
    roots.keep()
    for leaf in hashes[6:]:
        roots.append(leaf)
    assert roots.root(6) == root_from_leaf_hashes(hashes[:6])
    assert roots.root(7) is None


def test_state_does_not_grow_with_the_chain() -> None:
    roots = ChainRoots({10})
    for leaf in leaves(5000):
        roots.append(leaf)
    # one subtree root per set bit of the size, and the one wanted root
    assert roots.held == bin(5000).count("1") + 1
