"""The official transparency-dev/merkle proof vectors and the RFC 6962 reference tree.

Why every file is its own test case: the vectors' value is in their odd corners (an index
of 2^64-1, a 12-byte "root", a null proof), and a single failing corner must show up by
name. Files are found by globbing the shared folder at collection time, so vectors added
upstream are picked up without editing this module.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ledger.merkle import (
    CompactRange,
    MerkleTree,
    ProofError,
    consistency_proof,
    empty_root,
    hash_leaf,
    inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from tests.vectors import load_json, vectors_dir

REFERENCE_TREE = "merkle/rfc6962_reference_tree.json"


def _vector_files(kind: str) -> list[str]:
    base = vectors_dir()
    return sorted(p.relative_to(base).as_posix() for p in (base / "merkle" / kind).rglob("*.json"))


INCLUSION_FILES = _vector_files("inclusion")
CONSISTENCY_FILES = _vector_files("consistency")


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(item) for item in case["proof"] or []]


def _reference_leaves() -> list[bytes]:
    return [hash_leaf(bytes.fromhex(h)) for h in load_json(REFERENCE_TREE)["leaf_inputs_hex"]]


def test_every_vector_folder_was_found() -> None:
    # The shared README promises 98 files of each kind; fewer means a broken checkout.
    assert len(INCLUSION_FILES) == 98
    assert len(CONSISTENCY_FILES) == 98
    assert any("/additional/" in f for f in INCLUSION_FILES)
    assert any("/single-entry/" in f for f in INCLUSION_FILES)
    assert any("/additional/" in f for f in CONSISTENCY_FILES)


@pytest.mark.parametrize("relative", INCLUSION_FILES)
def test_inclusion_vector(relative: str) -> None:
    case = load_json(relative)
    args = (_b64(case["leafHash"]), case["leafIdx"], case["treeSize"], _proof(case),
            _b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("relative", CONSISTENCY_FILES)
def test_consistency_vector(relative: str) -> None:
    case = load_json(relative)
    args = (case["size1"], case["size2"], _proof(case), _b64(case["root1"]),
            _b64(case["root2"]))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


@pytest.mark.parametrize("relative", [f for f in INCLUSION_FILES
                                      if f.endswith("happy-path.json")])
def test_builder_reproduces_inclusion_happy_path(relative: str) -> None:
    # The numbered vector folders are proofs over the reference tree: ours must match.
    case = load_json(relative)
    leaves = _reference_leaves()
    assert leaves[case["leafIdx"]] == _b64(case["leafHash"])
    assert inclusion_proof(leaves, case["leafIdx"], case["treeSize"]) == _proof(case)


@pytest.mark.parametrize("relative", [f for f in CONSISTENCY_FILES
                                      if f.endswith("happy-path.json")])
def test_builder_reproduces_consistency_happy_path(relative: str) -> None:
    case = load_json(relative)
    leaves = _reference_leaves()
    assert root_from_leaf_hashes(leaves[: case["size1"]]) == _b64(case["root1"])
    assert consistency_proof(leaves, case["size1"], case["size2"]) == _proof(case)


def test_reference_tree_leaf_hashes() -> None:
    data = load_json(REFERENCE_TREE)
    assert [h.hex() for h in _reference_leaves()] == data["leaf_hashes_hex"]


def test_reference_tree_roots_for_every_size() -> None:
    data = load_json(REFERENCE_TREE)
    leaves = _reference_leaves()
    expected = [bytes.fromhex(h) for h in data["root_hashes_hex"]]
    assert len(expected) == 9
    assert expected[0] == empty_root()
    compact = CompactRange()
    tree = MerkleTree()
    for size in range(9):
        assert root_from_leaf_hashes(leaves[:size]) == expected[size]
        assert compact.root() == expected[size]
        assert tree.root() == expected[size]
        assert MerkleTree(leaves).root(size) == expected[size]
        if size < len(leaves):
            compact.append(leaves[size])
            tree.append(leaves[size])


def test_reference_tree_every_proof_verifies() -> None:
    data = load_json(REFERENCE_TREE)
    leaves = _reference_leaves()
    roots = [bytes.fromhex(h) for h in data["root_hashes_hex"]]
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(leaves, index, size)
            verify_inclusion(leaves[index], index, size, proof, roots[size])
        for old in range(1, size + 1):
            proof = consistency_proof(leaves, old, size)
            verify_consistency(old, size, proof, roots[old], roots[size])
