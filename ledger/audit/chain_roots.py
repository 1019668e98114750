"""A chain's Merkle state during one audit pass: the compact range, plus the roots asked for.

Why not the whole tree: the auditor reads a chain once, front to back, and needs a root only
at the sizes some checkpoint names — each checkpoint event names the chain as it stood when
it was recorded, and the stored and trusted checkpoints are known before the pass starts.
The compact range (one hash per set bit of the size) answers the current size; a root at
any other size that was asked for in advance is kept as it goes by. The auditor's Merkle
state is then a few dozen hashes whatever the chain's length, where a full tree holds every
leaf (about 130 MB per million events).
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.merkle.tree import CompactRange

__all__ = ["ChainRoots"]


class ChainRoots:
    """Append leaf hashes in order; ask for the root at the current size or a kept size."""

    __slots__ = ("_range", "_roots", "_wanted")

    def __init__(self, wanted_sizes: Iterable[int] = ()) -> None:
        self._range = CompactRange()
        self._wanted = frozenset(wanted_sizes)
        self._roots: dict[int, bytes] = {}
        if 0 in self._wanted:
            self._roots[0] = self._range.root()

    @property
    def size(self) -> int:
        return self._range.size

    def append(self, leaf_hash: bytes) -> None:
        self._range.append(leaf_hash)
        if self._range.size in self._wanted:
            self._roots[self._range.size] = self._range.root()

    @property
    def held(self) -> int:
        """How many hashes this holds: the compact range's and the kept roots."""
        return len(self._range.to_state()) + len(self._roots)

    def keep(self) -> None:
        """Keep the root at the current size (a checkpoint event names it: a later
        checkpoint event may name that size again)."""
        self._roots[self._range.size] = self._range.root()

    def root(self, size: int) -> bytes | None:
        """The root at ``size``: the current size, or a size wanted or kept on the way;
        ``None`` for any other size (its root went by unrecorded)."""
        if size == self._range.size:
            return self._range.root()
        return self._roots.get(size)
