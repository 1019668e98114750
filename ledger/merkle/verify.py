"""Pure verifiers for RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs.

Why they raise instead of returning a bool: a verifier's result is the one value in the
system that must never be ignored, and an exception cannot be dropped by a missing
``if``. Every failure is a :class:`~ledger.merkle.errors.ProofError`, and a proof that is
well formed but leads elsewhere is its subclass
:class:`~ledger.merkle.errors.RootMismatchError`. Inputs come from untrusted parties, so
out-of-range indexes, negative sizes and hashes of the wrong length are refused with a
``ProofError`` too, never with ``IndexError`` or ``ValueError``.

What a proof does *not* prove: the tree size. RFC 6962 roots do not commit to the number
of leaves, so a proof for one size can also fit a nearby size with the same shape. The
``size`` and ``root`` passed here must come together from one signed checkpoint.

The chaining loops follow the RFC's steps and variable names (``fn``, ``sn``, ``fr``,
``sr``) so they can be audited line by line against the text. Before chaining, the
expected proof length is computed from the sizes alone, so a short or long proof gets a
precise message instead of a root mismatch.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.merkle.errors import ProofError, RootMismatchError
from ledger.merkle.hasher import HASH_SIZE, hash_children

_INCLUSION = "merkle.inclusion"
_CONSISTENCY = "merkle.consistency"


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int,
                              proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` yields for ``leaf_hash`` at ``index`` in a tree of ``size``.

    Preconditions, each refused with :class:`ProofError`: ``0 <= index < size`` (so the
    empty tree has no inclusion proofs); ``leaf_hash`` and every proof element are 32
    bytes; ``len(proof)`` is exactly the path length for (index, size), which is 0 for a
    one-leaf tree, where the root is the leaf hash itself.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}",
                         check=_INCLUSION)
    _check_hash(leaf_hash, "leaf hash", _INCLUSION)
    expected = _path_steps(index, size - 1)
    if len(proof) != expected:
        raise ProofError(
            f"inclusion proof has {len(proof)} hashes; leaf {index} of a tree of size "
            f"{size} needs {expected}",
            check=_INCLUSION,
        )
    _check_proof(proof, _INCLUSION)
    # RFC 9162 §2.1.3.2, steps 2-5.
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long", check=_INCLUSION)
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short", check=_INCLUSION)
    return r


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree with ``size`` and ``root``.

    Same preconditions as :func:`root_from_inclusion_proof`; raises
    :class:`RootMismatchError` when the proof is well formed but leads to another root.
    """
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if computed != root:
        raise RootMismatchError("inclusion proof does not lead to the trusted root",
                                expected=root, computed=computed, check=_INCLUSION)


def root_from_consistency_proof(old_size: int, new_size: int, proof: Sequence[bytes],
                                old_root: bytes) -> bytes:
    """Check ``proof`` against ``old_root`` and return the new root it commits to.

    Preconditions, each refused with :class:`ProofError`:

    * ``0 < old_size <= new_size``. A proof from the empty tree is refused: every tree
      extends it, so a caller holding an empty checkpoint needs no proof at all.
    * Equal sizes need the empty proof; the result is then ``old_root`` unchanged, and no
      hashing happens, so no hash length is checked either.
    * Otherwise the proof is non-empty, of exactly the length the sizes imply, and
      ``old_root`` and every element are 32 bytes.

    Raises :class:`RootMismatchError` when the proof does not rebuild ``old_root``.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"old size {old_size} is not within 0..new size {new_size}",
                         check=_CONSISTENCY)
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing",
                         check=_CONSISTENCY,
                         hint="any tree extends the empty tree; skip the proof")
    if old_size == new_size:
        if proof:
            raise ProofError("equal tree sizes need an empty consistency proof",
                             check=_CONSISTENCY)
        return old_root
    if not proof:
        raise ProofError("consistency proof is empty", check=_CONSISTENCY)
    _check_hash(old_root, "old root", _CONSISTENCY)
    old_is_subtree = old_size & (old_size - 1) == 0
    # Step 4 in advance: strip the levels where the old tree's last leaf is a right child.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    expected = _path_steps(fn, sn) + (0 if old_is_subtree else 1)
    if len(proof) != expected:
        raise ProofError(
            f"consistency proof has {len(proof)} hashes; sizes {old_size} -> {new_size} "
            f"need {expected}",
            check=_CONSISTENCY,
        )
    _check_proof(proof, _CONSISTENCY)
    # RFC 9162 §2.1.4.2, steps 2 and 5-7 (steps 3-4 done above).
    path = [old_root, *proof] if old_is_subtree else list(proof)
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long", check=_CONSISTENCY)
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short", check=_CONSISTENCY)
    if fr != old_root:
        raise RootMismatchError("consistency proof does not rebuild the old root",
                                expected=old_root, computed=fr, check=_CONSISTENCY)
    return sr


def verify_consistency(old_size: int, new_size: int, proof: Sequence[bytes],
                       old_root: bytes, new_root: bytes) -> None:
    """Check that the tree (new_size, new_root) is an append-only extension of the old one.

    Same preconditions as :func:`root_from_consistency_proof`; raises
    :class:`RootMismatchError` when either root does not match what the proof rebuilds
    (for equal sizes: when the two roots differ).
    """
    computed = root_from_consistency_proof(old_size, new_size, proof, old_root)
    if computed != new_root:
        raise RootMismatchError("consistency proof does not lead to the new root",
                                expected=new_root, computed=computed, check=_CONSISTENCY)


def _path_steps(fn: int, sn: int) -> int:
    """How many proof hashes the RFC chaining loop consumes from (fn, sn) until sn is 0.

    Mirrors the loop without hashing: a level where the node is its row's last and a left
    child has no sibling and is skipped without consuming a hash.
    """
    steps = 0
    while sn:
        if not fn & 1 and fn == sn:
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        fn >>= 1
        sn >>= 1
        steps += 1
    return steps


def _check_hash(value: bytes, what: str, check: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}", check=check)


def _check_proof(proof: Sequence[bytes], check: str) -> None:
    for position, value in enumerate(proof):
        if len(value) != HASH_SIZE:
            raise ProofError(
                f"proof hash #{position} must be {HASH_SIZE} bytes, got {len(value)}",
                check=check,
            )
