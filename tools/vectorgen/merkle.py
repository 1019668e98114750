"""``merkle/``: SKMS's own RFC 9162 trees, proofs over them, and named broken proofs.

Layout, after transparency-dev/merkle's ``testdata``:

* ``merkle/trees/<chain>.json``: a chain's leaf data (its event hashes), leaf hashes and
  the root at every size from 0.
* ``merkle/inclusion/<case>/`` and ``merkle/consistency/<case>/``: ``happy-path.json`` and
  one file per corruption (bit flips, removed or inserted hashes, swapped or wrong roots,
  wrong sizes and indexes), each with ``desc`` and ``want_error`` (``null``, or the error
  class the pure verifiers of :mod:`ledger.merkle.verify` must raise).
* ``merkle/documents/<type>/``: ``skms-proof-v1`` documents built by :mod:`ledger.proofs`
  from the sample store, and broken ones, for ``verify_proof_document``.

How a size or index corruption's outcome is known without running a verifier: RFC 9162
§2.1.3.1 builds PATH(m, D[n]) by splitting at k, the largest power of two below n, and
adding the sibling on the right (m < k) or the left (m >= k). An inclusion proof checked
for (m', n') therefore fails on its length if the two direction lists differ in length,
yields the same root (and verifies: RFC 9162 proofs do not commit to the tree size, the
signed checkpoint does) if they are equal, and yields another root otherwise. For
consistency proofs only mutations that change the proof length (a certain failure) are
written.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Sequence
from typing import Any

from vectorgen.jsonio import Json
from vectorgen.mutate import flip_bit
from vectorgen.product import MerkleTree, build_consistency, build_inclusion, hash_leaf
from vectorgen.sample import DEFAULT_DOMAIN, PAYMENTS_DOMAIN, SampleLedger

SYSTEM = "system"
INCLUSION_CASES = ((PAYMENTS_DOMAIN, 4, 10), (PAYMENTS_DOMAIN, 10, 11), (SYSTEM, 0, 8),
                   (DEFAULT_DOMAIN, 5, 7), (SYSTEM, 0, 1))
CONSISTENCY_CASES = ((PAYMENTS_DOMAIN, 7, 10), (SYSTEM, 1, 8), (SYSTEM, 4, 8),
                     (DEFAULT_DOMAIN, 3, 7), (PAYMENTS_DOMAIN, 8, 8))
PROOF_ERROR = {"error": "ProofError"}
MISMATCH = {"error": "RootMismatchError"}
ZERO_HASH = bytes(32)


def merkle_vectors(sample: SampleLedger) -> dict[str, Json]:
    leaves = {chain: [hash_leaf(e.event_hash) for e in envelopes]
              for chain, envelopes in sample.chains().items()}
    files: dict[str, Json] = {}
    for chain, envelopes in sample.chains().items():
        tree = MerkleTree(leaves[chain])
        files[f"merkle/trees/{chain}.json"] = {
            "desc": f"the Merkle tree of chain {chain!r}: leaf data are the event hashes",
            "leaf_data": [e.event_hash.hex() for e in envelopes],
            "leaf_hashes": [hash_leaf(e.event_hash).hex() for e in envelopes],
            "roots": [tree.root(size).hex() for size in range(tree.size + 1)]}
    for chain, index, size in INCLUSION_CASES:
        folder = f"merkle/inclusion/{chain}-{index}-of-{size}"
        for name, case in _inclusion(leaves[chain], index, size).items():
            files[f"{folder}/{name}.json"] = case
    for chain, old, new in CONSISTENCY_CASES:
        folder = f"merkle/consistency/{chain}-{old}-to-{new}"
        for name, case in _consistency(MerkleTree(leaves[chain]), old, new).items():
            files[f"{folder}/{name}.json"] = case
    files.update(_documents(sample))
    return files


# --- inclusion -------------------------------------------------------------------------------

def directions(index: int, size: int) -> list[str]:
    """Where each sibling of PATH(index, D[size]) sits, leaf first (RFC 9162 §2.1.3.1)."""
    if size <= 1:
        return []
    k = 1 << ((size - 1).bit_length() - 1)
    if index < k:
        return [*directions(index, k), "right"]
    return [*directions(index - k, size - k), "left"]


def _inclusion_outcome(index: int, size: int, new_index: int, new_size: int) -> Json | None:
    if not 0 <= new_index < new_size:
        return PROOF_ERROR
    now, then = directions(index, size), directions(new_index, new_size)
    if len(now) != len(then):
        return PROOF_ERROR
    return None if now == then else MISMATCH


def _inclusion_case(desc: str, leaf: bytes, index: int, size: int, path: Sequence[bytes],
                    root: bytes, want: Json | None) -> Json:
    return {"desc": desc, "leaf_index": index, "tree_size": size, "leaf_hash": leaf.hex(),
            "path": [h.hex() for h in path], "root": root.hex(), "want_error": want}


def _inclusion(leaves: Sequence[bytes], index: int, size: int) -> dict[str, Json]:
    tree = MerkleTree(leaves)
    leaf = leaves[index]
    path = tree.inclusion_proof(index, size)
    root = tree.root(size)
    cases = {"happy-path": _inclusion_case("happy path", leaf, index, size, path, root, None),
             "wrong-leaf": _inclusion_case("leaf hash with one bit flipped",
                                           flip_bit(leaf, 0), index, size, path, root,
                                           MISMATCH),
             "wrong-root": _inclusion_case("root with one bit flipped", leaf, index, size,
                                           path, flip_bit(root, -1), MISMATCH),
             "trailing-root": _inclusion_case("the root appended to the path", leaf, index,
                                              size, [*path, root], root, PROOF_ERROR)}
    for position in range(len(path)):
        broken = list(path)
        broken[position] = flip_bit(broken[position], 3)
        cases[f"modified-path[{position}]-bit-3"] = _inclusion_case(
            f"path hash {position} with bit 3 flipped", leaf, index, size, broken, root,
            MISMATCH)
    if path:
        cases["removed-component"] = _inclusion_case(
            "the last path hash removed", leaf, index, size, path[:-1], root, PROOF_ERROR)
        middle = len(path) // 2
        cases["inserted-component"] = _inclusion_case(
            "a zero hash inserted in the middle of the path", leaf, index, size,
            [*path[:middle], ZERO_HASH, *path[middle:]], root, PROOF_ERROR)
        cases["short-component"] = _inclusion_case(
            "the first path hash is 31 bytes", leaf, index, size,
            [path[0][:-1], *path[1:]], root, PROOF_ERROR)
        cases["swapped-leaf-and-root"] = _inclusion_case(
            "leaf hash and root swapped", root, index, size, path, leaf, MISMATCH)
    mutations = {"leaf-index-plus-1": (index + 1, size), "leaf-index-minus-1": (index - 1, size),
                 "leaf-index-xor-2": (index ^ 2, size), "tree-size-plus-1": (index, size + 1),
                 "tree-size-minus-1": (index, size - 1), "tree-size-times-2": (index, size * 2),
                 "tree-size-div-2": (index, size // 2)}
    for name, (new_index, new_size) in mutations.items():
        if (new_index, new_size) == (index, size) or new_index < 0 or new_size < 0:
            continue
        want = _inclusion_outcome(index, size, new_index, new_size)
        note = " (verifies: the proof has the same shape, and only a signed checkpoint " \
               "binds the size)" if want is None else ""
        cases[name] = _inclusion_case(f"checked as leaf {new_index} of a tree of size "
                                      f"{new_size}{note}", leaf, new_index, new_size, path,
                                      root, want)
    return cases


# --- consistency -----------------------------------------------------------------------------

def consistency_length(old: int, new: int, complete: bool = True) -> int:
    """len(SUBPROOF(old, D[new], complete)) from RFC 9162 §2.1.4.1."""
    if old == new:
        return 0 if complete else 1
    k = 1 << ((new - 1).bit_length() - 1)
    if old <= k:
        return consistency_length(old, k, complete) + 1
    return consistency_length(old - k, new - k, False) + 1


def _consistency_case(desc: str, old: int, new: int, old_root: bytes, new_root: bytes,
                      path: Sequence[bytes], want: Json | None) -> Json:
    return {"desc": desc, "old_size": old, "new_size": new, "old_root": old_root.hex(),
            "new_root": new_root.hex(), "path": [h.hex() for h in path], "want_error": want}


def _consistency(tree: MerkleTree, old: int, new: int) -> dict[str, Json]:
    path = tree.consistency_proof(old, new)
    old_root, new_root = tree.root(old), tree.root(new)

    def case(desc: str, want: Json | None, *, sizes: tuple[int, int] = (old, new),
             roots: tuple[bytes, bytes] = (old_root, new_root),
             proof: Sequence[bytes] = path) -> Json:
        return _consistency_case(desc, sizes[0], sizes[1], roots[0], roots[1], proof, want)

    cases = {"happy-path": case("happy path", None),
             "wrong-old-root": case("old root with one bit flipped", MISMATCH,
                                    roots=(flip_bit(old_root, 0), new_root)),
             "wrong-new-root": case("new root with one bit flipped", MISMATCH,
                                    roots=(old_root, flip_bit(new_root, 0))),
             "trailing-component": case("a zero hash appended to the proof", PROOF_ERROR,
                                        proof=[*path, ZERO_HASH]),
             "old-size-zero": case("checked from the empty tree", PROOF_ERROR,
                                   sizes=(0, new)),
             "old-size-above-new": case("the old size above the new one", PROOF_ERROR,
                                        sizes=(new + 1, new))}
    if old != new:
        cases["swapped-roots"] = case("old and new roots swapped", MISMATCH,
                                      roots=(new_root, old_root))
        cases["empty-proof"] = case("the proof is empty", PROOF_ERROR, proof=[])
        cases["truncated-proof"] = case("the last proof hash removed", PROOF_ERROR,
                                        proof=path[:-1])
        for position in range(len(path)):
            broken = list(path)
            broken[position] = flip_bit(broken[position], 4)
            cases[f"modified-proof[{position}]-bit-4"] = case(
                f"proof hash {position} with bit 4 flipped", MISMATCH, proof=broken)
    for name, sizes in {"old-size-plus-1": (old + 1, new), "old-size-minus-1": (old - 1, new),
                        "new-size-plus-1": (old, new + 1), "new-size-minus-1": (old, new - 1),
                        "new-size-times-2": (old, new * 2)}.items():
        if not 0 < sizes[0] <= sizes[1]:
            continue
        if consistency_length(*sizes) == len(path):
            continue  # the same length: the outcome would need the hashes, see above
        cases[name] = case(f"checked for sizes {sizes[0]} -> {sizes[1]}", PROOF_ERROR,
                           sizes=sizes)
    return cases


# --- proof documents -------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _flip_b64(text: str, bit: int = 0) -> str:
    return _b64(flip_bit(base64.b64decode(text), 0, bit))


def _document_case(desc: str, document: Json, want_error: Json | None,
                   pinned: bytes | None, kind: str) -> Json:
    return {"desc": desc, "document": document,
            "pinned_key": None if pinned is None else pinned.hex(),
            "want_result": None if want_error else {"valid": True, "type": kind},
            "want_error": want_error}


def _edited(document: Json, **changes: Any) -> Json:
    edited = copy.deepcopy(document)
    edited.update(changes)
    return edited


def _documents(sample: SampleLedger) -> dict[str, Json]:
    key = sample.ledger_public_key
    inclusion = build_inclusion(sample.store, PAYMENTS_DOMAIN, 4, 10)
    consistency = build_consistency(sample.store, PAYMENTS_DOMAIN, 7, 10)
    note_lines = inclusion["checkpoint"].split("\n")
    note_lines[1] = "9"
    forged_note = "\n".join(note_lines)
    invalid = {"error": "InvalidInput"}
    checkpoint_fault = {"error": "VerificationError", "check": "checkpoint"}
    leaf_fault = {"error": "VerificationError", "check": "inclusion"}
    inclusion_mismatch = {"error": "RootMismatchError", "check": "merkle.inclusion"}
    consistency_mismatch = {"error": "RootMismatchError", "check": "merkle.consistency"}
    path = inclusion["path"]
    cases: dict[str, tuple[str, Json, Json | None, bytes | None, str]] = {
        "inclusion/happy-path": ("payments seq 4 at the signed size 10, ledger key pinned",
                                 inclusion, None, key, "inclusion"),
        "inclusion/unpinned": ("the same document checked with the key it carries",
                               inclusion, None, None, "inclusion"),
        "inclusion/path-bit-flip": ("path hash 0 with one bit flipped", _edited(
            inclusion, path=[_flip_b64(path[0]), *path[1:]]), inclusion_mismatch, key,
            "inclusion"),
        "inclusion/leaf-index-changed": ("the leaf index says 5", _edited(
            inclusion, leaf_index=5), inclusion_mismatch, key, "inclusion"),
        "inclusion/tree-size-changed": ("the tree size says 9; the checkpoint says 10",
                                        _edited(inclusion, tree_size=9), checkpoint_fault,
                                        key, "inclusion"),
        "inclusion/root-changed": ("the root differs from the checkpoint's", _edited(
            inclusion, root=_flip_b64(inclusion["root"])), checkpoint_fault, key, "inclusion"),
        "inclusion/event-hash-changed": ("the event hash is not the one the leaf hash "
                                         "covers", _edited(inclusion, event_hash=_flip_b64(
                                             inclusion["event_hash"])), leaf_fault, key,
                                         "inclusion"),
        "inclusion/pinned-other-key": ("the auditor pins a key that did not sign the "
                                       "checkpoint", inclusion,
                                       {"error": "NoteError", "check": "note.signature"},
                                       sample.foreign_key, "inclusion"),
        "inclusion/checkpoint-size-edited": ("the checkpoint note's size line edited after "
                                             "signing", _edited(inclusion,
                                                                checkpoint=forged_note),
                                             {"error": "NoteError", "check": "note.signature"},
                                             key, "inclusion"),
        "inclusion/no-checkpoint": ("no checkpoint, no key pinned: the proof verifies "
                                    "against the root it carries, and says the root is not "
                                    "signed", _edited(inclusion, checkpoint=None), None, None,
                                    "inclusion"),
        "inclusion/no-checkpoint-pinned": ("no checkpoint but a pinned key: the key vouches "
                                           "for no root, so the proof is refused", _edited(
                                               inclusion, checkpoint=None), checkpoint_fault,
                                           key, "inclusion"),
        "inclusion/no-checkpoint-forged-root": ("no checkpoint, no key pinned, and another "
                                                "root", _edited(
            inclusion, checkpoint=None, root=_flip_b64(inclusion["root"])),
            inclusion_mismatch, None, "inclusion"),
        "inclusion/path-not-base64": ("a path entry is not base64", _edited(
            inclusion, path=["not base64!", *path[1:]]), {**invalid, "field": "path"}, key,
            "inclusion"),
        "inclusion/tree-size-text": ("the tree size is a string", _edited(
            inclusion, tree_size="10"), {**invalid, "field": "tree_size"}, key, "inclusion"),
        "inclusion/wrong-format": ("the format is not skms-proof-v1", _edited(
            inclusion, format="skms-proof-v2"), {**invalid, "field": "format"}, key,
            "inclusion"),
        "inclusion/unknown-type": ("the type is neither inclusion nor consistency", _edited(
            inclusion, type="exclusion"), {**invalid, "field": "type"}, key, "inclusion"),
        "consistency/happy-path": ("payments sizes 7 -> 10, ledger key pinned", consistency,
                                   None, key, "consistency"),
        "consistency/old-root-changed": ("the old root with one bit flipped: the signed old "
                                         "checkpoint names another root", _edited(
            consistency, old_root=_flip_b64(consistency["old_root"])), checkpoint_fault,
            key, "consistency"),
        "consistency/old-root-changed-unsigned": ("the old root with one bit flipped, no "
                                                  "signed old checkpoint", _edited(
            consistency, old_root=_flip_b64(consistency["old_root"]), old_checkpoint=None),
            consistency_mismatch, key, "consistency"),
        "consistency/path-bit-flip": ("proof hash 0 with one bit flipped", _edited(
            consistency, path=[_flip_b64(consistency["path"][0]), *consistency["path"][1:]]),
            consistency_mismatch, key, "consistency"),
        "consistency/truncated-proof": ("the last proof hash removed", _edited(
            consistency, path=consistency["path"][:-1]), {"error": "ProofError",
                                                          "check": "merkle.consistency"},
            key, "consistency"),
    }
    return {f"merkle/documents/{name}.json": _document_case(desc, doc, want, pinned, kind)
            for name, (desc, doc, want, pinned, kind) in cases.items()}
