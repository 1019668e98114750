"""Building RFC 9162 Merkle tree roots and proofs from leaf hashes.

Why leaf *hashes* and not entries: the ledger stores each event's leaf hash beside it, so
a proof server never re-reads or re-hashes event bodies, and these functions never see
secret material.

Three ways in, for three jobs:

* :func:`root_from_leaf_hashes`, :func:`inclusion_proof`, :func:`consistency_proof` are
  one-shot: they hash what they need, level by level, and keep nothing. Cost is about one
  SHA-256 per leaf in range, whatever the index.
* :class:`CompactRange` is the writer's state: O(log n) hashes that give the root after
  every append and survive a restart through :meth:`CompactRange.to_state`.
* :class:`MerkleTree` keeps every complete interior node, so a process that answers many
  proof requests pays the hashing once and then builds each proof with O(log² n) lookups.

Why level-by-level pairing gives the RFC tree: MTH splits n leaves at the largest power of
two k < n. Pairing nodes left to right and carrying an unpaired last node up unchanged
builds exactly the perfect subtrees of the left part and then the same split on the
right, so both definitions agree (the tests check this against the recursive RFC text).
Nothing here recurses over list slices: deep recursion and O(n log n) copying are what
make the textbook definition unusable at a million leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256

from ledger.errors import InvalidInput
from ledger.merkle.hasher import HASH_SIZE, NODE_PREFIX, empty_root, hash_children

RangeRoot = Callable[[int, int], bytes]
"""Gives MTH(D[lo:hi]) for a range the proof walks ask for."""


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1 over already-hashed leaves; empty input gives SHA-256("").

    Raises :class:`~ledger.errors.InvalidInput` if a leaf hash is not 32 bytes, because a
    root over malformed leaves could never be matched by an honest verifier.
    """
    _check_hashes(leaf_hashes, "leaf_hashes")
    return _root_of_run(leaf_hashes)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1: sibling hashes from the leaf upwards.

    Preconditions (else :class:`~ledger.errors.InvalidInput`): ``0 <= index < size <=
    len(leaf_hashes)``, and the first ``size`` leaf hashes are 32 bytes each. Only those
    leaves are read, so a proof for an older tree size comes from the same list.
    """
    _check_inclusion_args(index, size, len(leaf_hashes))
    _check_hashes(leaf_hashes[:size], "leaf_hashes")
    return _inclusion_path(index, size, _one_shot_range_root(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1 (the SUBPROOF algorithm).

    Preconditions (else :class:`~ledger.errors.InvalidInput`): ``0 < old_size <= new_size
    <= len(leaf_hashes)``. Equal sizes give the empty proof. A proof from the empty tree is
    refused: every tree extends it, so there is nothing to prove, and the verifier would
    reject whatever we sent.
    """
    _check_consistency_args(old_size, new_size, len(leaf_hashes))
    _check_hashes(leaf_hashes[:new_size], "leaf_hashes")
    return _consistency_path(old_size, new_size, _one_shot_range_root(leaf_hashes))


class CompactRange:
    """The Merkle frontier: the roots of the perfect subtrees that make up the tree.

    A tree of ``size`` leaves is a row of perfect subtrees, one per set bit of ``size``,
    largest (leftmost) first. Appending merges equal-sized neighbours like a binary
    counter carries, so each append costs O(1) amortised hashes and the state is one hash
    per set bit of the size (at most 64 for any uint64 size). That makes it the state a
    writer persists beside its sequence number: :meth:`to_state` and :meth:`from_state`
    round-trip it exactly.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash (32 bytes; else :class:`~ledger.errors.InvalidInput`)."""
        _check_hash(leaf_hash, "leaf_hash")
        node = leaf_hash
        carry = self._size
        while carry & 1:
            node = hash_children(self._hashes.pop(), node)
            carry >>= 1
        self._hashes.append(node)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append each leaf hash in order."""
        for leaf_hash in leaf_hashes:
            self.append(leaf_hash)

    def root(self) -> bytes:
        """MTH of all leaves appended so far, equal to :func:`root_from_leaf_hashes`."""
        if not self._hashes:
            return empty_root()
        return _fold_right(self._hashes)

    def to_state(self) -> list[bytes]:
        """The subtree roots, largest first; with :attr:`size` they are the whole state."""
        return list(self._hashes)

    @classmethod
    def from_state(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Rebuild a range saved by :meth:`to_state`.

        The number of hashes must equal the number of set bits of ``size`` and each must
        be 32 bytes; anything else is a corrupt or mismatched record and raises
        :class:`~ledger.errors.InvalidInput` rather than silently producing wrong roots.
        """
        if size < 0:
            raise InvalidInput(f"tree size must not be negative, got {size}", field="size")
        if len(hashes) != size.bit_count():
            raise InvalidInput(
                f"a tree of {size} leaves has {size.bit_count()} subtree roots, "
                f"got {len(hashes)}",
                field="hashes",
            )
        _check_hashes(hashes, "hashes")
        compact = cls()
        compact._size = size
        compact._hashes = list(hashes)
        return compact

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


class MerkleTree:
    """Leaf hashes plus every complete interior node, for many fast proofs.

    ``levels[h][j]`` is the root of the perfect subtree of height ``h`` over leaves
    ``[j * 2**h, (j + 1) * 2**h)``; incomplete nodes on the right edge are never stored,
    so appending never invalidates anything. Memory is about two hashes per leaf. Any
    range a proof walk asks for starts on a boundary of its largest perfect part, so its
    root is at most 64 stored nodes folded together: a proof costs O(log² n) hashes
    instead of the one-shot functions' O(n).
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        leaves = list(leaf_hashes)
        _check_hashes(leaves, "leaf_hashes")
        self._levels: list[list[bytes]] = [leaves]
        level = leaves
        while len(level) > 1:
            level = _complete_parents(level)
            self._levels.append(level)

    @property
    def size(self) -> int:
        """Number of leaves held."""
        return len(self._levels[0])

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash, storing each interior node it completes."""
        _check_hash(leaf_hash, "leaf_hash")
        self._levels[0].append(leaf_hash)
        height = 0
        while len(self._levels[height]) % 2 == 0:
            nodes = self._levels[height]
            if height + 1 == len(self._levels):
                self._levels.append([])
            self._levels[height + 1].append(hash_children(nodes[-2], nodes[-1]))
            height += 1

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all); ``0 <= size <= self.size``."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise InvalidInput(f"tree size {size} is outside 0..{self.size}", field="size")
        return self._range_root(0, size) if size else empty_root()

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Same result and preconditions as :func:`inclusion_proof` on the held leaves."""
        size = self.size if size is None else size
        _check_inclusion_args(index, size, self.size)
        return _inclusion_path(index, size, self._range_root)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Same result and preconditions as :func:`consistency_proof` on the held leaves."""
        new_size = self.size if new_size is None else new_size
        _check_consistency_args(old_size, new_size, self.size)
        return _consistency_path(old_size, new_size, self._range_root)

    def _range_root(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) from stored nodes: the binary digits of ``hi - lo``, largest first.

        Requires ``lo`` to be a multiple of the largest power of two not above
        ``hi - lo``. The proof walks only ask for such ranges: every split point they
        produce is a sum of strictly decreasing powers of two.
        """
        nodes: list[bytes] = []
        pos, remaining = lo, hi - lo
        while remaining:
            height = remaining.bit_length() - 1
            assert pos % (1 << height) == 0, "proof walk asked for an unaligned range"
            nodes.append(self._levels[height][pos >> height])
            pos += 1 << height
            remaining -= 1 << height
        return _fold_right(nodes)


def _inclusion_path(index: int, size: int, range_root: RangeRoot) -> list[bytes]:
    """PATH(m, D[n]) without recursion: walk down from the root, then reverse.

    At each step the range [lo, hi) splits at the largest power of two below its length;
    the half without the leaf contributes its root. The RFC lists siblings leaf first,
    and the walk meets them root first, hence the reversal.
    """
    siblings: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split_point(hi - lo)
        if index < mid:
            siblings.append(range_root(mid, hi))
            hi = mid
        else:
            siblings.append(range_root(lo, mid))
            lo = mid
    siblings.reverse()
    return siblings


def _consistency_path(old_size: int, new_size: int, range_root: RangeRoot) -> list[bytes]:
    """SUBPROOF(m, D[n], true) without recursion.

    The walk follows the RFC cases: while the old tree (``m`` leaves of [lo, hi)) is not
    the whole range, split at k; if m <= k the old tree lies in the left part and the
    right part's root is recorded, else the left part is shared and recorded and the walk
    continues right with ``b`` false. When m equals the range, the RFC emits that
    subtree's root only if ``b`` is false, i.e. only if the verifier cannot already know
    it as the old root itself.
    """
    upper: list[bytes] = []
    m, lo, hi, is_old_root = old_size, 0, new_size, True
    while m != hi - lo:
        k = _split_point(hi - lo)
        if m <= k:
            upper.append(range_root(lo + k, hi))
            hi = lo + k
        else:
            upper.append(range_root(lo, lo + k))
            m -= k
            lo += k
            is_old_root = False
    proof = [] if is_old_root else [range_root(lo, hi)]
    proof.extend(reversed(upper))
    return proof


def _one_shot_range_root(leaf_hashes: Sequence[bytes]) -> RangeRoot:
    def range_root(lo: int, hi: int) -> bytes:
        return _root_of_run(leaf_hashes[lo:hi])

    return range_root


def _root_of_run(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a run of leaf hashes by pairing level after level, carrying the odd one up.

    Reads its input without copying or changing it; each level is a new list.
    """
    if not leaf_hashes:
        return empty_root()
    nodes = leaf_hashes
    while len(nodes) > 1:
        odd = nodes[-1] if len(nodes) % 2 else None
        parents = _complete_parents(nodes)
        if odd is not None:
            parents.append(odd)
        nodes = parents
    return nodes[0]


def _complete_parents(nodes: Sequence[bytes]) -> list[bytes]:
    """Parents of each adjacent pair; an unpaired last node is left out.

    Written as one comprehension with a local ``sha256`` because this loop is where all
    the time goes: the per-call cost of ``sha256`` (under a microsecond) dominates, so a
    million leaves take roughly a second on a small machine.
    """
    pairs = iter(nodes)
    prefix = NODE_PREFIX
    digest = sha256
    return [digest(prefix + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)]


def _fold_right(nodes: Sequence[bytes]) -> bytes:
    """Root of a row of perfect subtrees, largest first: each absorbs everything right of it."""
    root = nodes[-1]
    for node in reversed(nodes[:-1]):
        root = hash_children(node, root)
    return root


def _split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2): the RFC's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, field: str) -> None:
    if len(value) != HASH_SIZE:
        raise InvalidInput(f"a hash must be {HASH_SIZE} bytes, got {len(value)}", field=field)


def _check_hashes(values: Sequence[bytes], field: str) -> None:
    if set(map(len, values)) <= {HASH_SIZE}:  # one C-speed pass for the common case
        return
    position = next(i for i, value in enumerate(values) if len(value) != HASH_SIZE)
    raise InvalidInput(
        f"hash #{position} must be {HASH_SIZE} bytes, got {len(values[position])}",
        field=field,
    )


def _check_inclusion_args(index: int, size: int, available: int) -> None:
    if not 0 < size <= available:
        raise InvalidInput(f"tree size {size} is outside 1..{available}", field="size")
    if not 0 <= index < size:
        raise InvalidInput(f"leaf index {index} is outside 0..{size - 1}", field="index")


def _check_consistency_args(old_size: int, new_size: int, available: int) -> None:
    if not 0 < new_size <= available:
        raise InvalidInput(f"new tree size {new_size} is outside 1..{available}",
                           field="new_size")
    if not 0 < old_size <= new_size:
        raise InvalidInput(
            f"old tree size {old_size} is outside 1..{new_size} (a proof from the empty "
            "tree proves nothing)",
            field="old_size",
        )
