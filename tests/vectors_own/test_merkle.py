"""Own Merkle vectors: SKMS's trees, proofs and proof documents reproduce, every named
corruption gets exactly the stated error, and a naive RFC 9162 implementation written
from the RFC text (recursive MTH, PATH, SUBPROOF and the §2.1.3.2/§2.1.4.2 checks, plain
hashlib) agrees on every root, proof and verdict."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ledger.errors import SkmsError
from ledger.merkle import (
    CompactRange,
    MerkleTree,
    consistency_proof,
    hash_leaf,
    inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from ledger.proofs import verify_proof_document
from tests.own_vectors import (
    OwnVector,
    as_is,
    assert_error,
    hashes,
    load_own_json,
    load_own_vectors,
)
from tests.vectors_own import reference

TREES = load_own_vectors("merkle/trees", as_is)
INCLUSION = load_own_vectors("merkle/inclusion", as_is)
CONSISTENCY = load_own_vectors("merkle/consistency", as_is)
DOCUMENTS = load_own_vectors("merkle/documents", as_is)


def path_of(vector: OwnVector) -> str:
    return vector.path


def leaf_data(chain: str) -> list[bytes]:
    return hashes(load_own_json(f"merkle/trees/{chain}.json")["leaf_data"])


@pytest.mark.parametrize("vector", TREES, ids=path_of)
def test_tree_roots_at_every_size(vector: OwnVector) -> None:
    data = vector.data
    entries, leaves = hashes(data["leaf_data"]), hashes(data["leaf_hashes"])
    chain = vector.path.rsplit("/", 1)[-1].removesuffix(".json")
    export = load_own_json("chains/ledger.json")["chains"][chain]["envelopes"]
    assert [e["event_hash"] for e in export] == data["leaf_data"]
    assert leaves == [hash_leaf(e) for e in entries] == [reference.leaf_hash(e) for e in entries]
    tree, compact = MerkleTree(leaves), CompactRange()
    assert tree.root(0).hex() == data["roots"][0] == reference.mth([]).hex()
    for size in range(1, len(leaves) + 1):
        compact.append(leaves[size - 1])
        want = data["roots"][size]
        assert tree.root(size).hex() == want
        assert root_from_leaf_hashes(leaves[:size]).hex() == want
        assert compact.root().hex() == want
        assert reference.mth(entries[:size]).hex() == want


def chain_and_sizes(vector: OwnVector) -> tuple[str, list[int]]:
    """``payments-4-of-10`` -> ("payments", [4, 10])."""
    folder = vector.path.split("/")[2]
    chain, *numbers = folder.replace("-of-", "-").replace("-to-", "-").split("-")
    return chain, [int(n) for n in numbers]


def check(want: dict[str, Any] | None, verify: Any) -> None:
    if want is None:
        verify()
        return
    with pytest.raises(SkmsError) as caught:
        verify()
    assert_error(caught.value, want)


@pytest.mark.parametrize("vector", INCLUSION, ids=path_of)
def test_inclusion(vector: OwnVector) -> None:
    data = vector.data
    leaf, proof, root = (bytes.fromhex(data["leaf_hash"]), hashes(data["path"]),
                         bytes.fromhex(data["root"]))
    index, size = data["leaf_index"], data["tree_size"]
    check(data["want_error"], lambda: verify_inclusion(leaf, index, size, proof, root))
    assert reference.inclusion_holds(leaf, index, size, proof, root) == (
        data["want_error"] is None)
    if vector.path.endswith("/happy-path.json"):
        chain, (at, of) = chain_and_sizes(vector)
        assert (index, size) == (at, of)
        entries = leaf_data(chain)
        leaves = [hash_leaf(e) for e in entries]
        assert inclusion_proof(leaves, index, size) == proof
        assert MerkleTree(leaves).inclusion_proof(index, size) == proof
        assert reference.path(index, entries[:size]) == proof
        assert reference.mth(entries[:size]) == root


@pytest.mark.parametrize("vector", CONSISTENCY, ids=path_of)
def test_consistency(vector: OwnVector) -> None:
    data = vector.data
    old, new, proof = data["old_size"], data["new_size"], hashes(data["path"])
    old_root, new_root = bytes.fromhex(data["old_root"]), bytes.fromhex(data["new_root"])
    check(data["want_error"], lambda: verify_consistency(old, new, proof, old_root, new_root))
    assert reference.consistency_holds(old, new, proof, old_root, new_root) == (
        data["want_error"] is None)
    if vector.path.endswith("/happy-path.json"):
        chain, sizes = chain_and_sizes(vector)
        assert [old, new] == sizes
        entries = leaf_data(chain)
        leaves = [hash_leaf(e) for e in entries]
        assert consistency_proof(leaves, old, new) == proof
        assert reference.consistency(old, entries[:new]) == proof
        assert (reference.mth(entries[:old]), reference.mth(entries[:new])) == (
            old_root, new_root)


@pytest.mark.parametrize("vector", DOCUMENTS, ids=path_of)
def test_proof_document(vector: OwnVector) -> None:
    data = vector.data
    pinned = bytes.fromhex(data["pinned_key"]) if data["pinned_key"] else None
    if data["want_error"] is not None:
        with pytest.raises(SkmsError) as caught:
            verify_proof_document(data["document"], pinned)
        assert_error(caught.value, data["want_error"])
        return
    result = verify_proof_document(data["document"], pinned)
    assert {k: result[k] for k in ("valid", "type")} == data["want_result"]


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@pytest.mark.parametrize("vector", [v for v in DOCUMENTS if v.path.endswith("happy-path.json")],
                         ids=path_of)
def test_proof_document_re_read_independently(vector: OwnVector) -> None:
    document = vector.data["document"]
    key = bytes.fromhex(vector.data["pinned_key"])
    assert reference.note_signed_by(document["checkpoint"], document["ledger_key_name"], key)
    text, _ = reference.parse_note(document["checkpoint"])
    checkpoint = reference.parse_checkpoint(text)
    assert checkpoint["size"] == document["tree_size"]
    assert checkpoint["root"] == unb64(document["root"]).hex()
    proof = [unb64(h) for h in document["path"]]
    root = unb64(document["root"])
    if document["type"] == "inclusion":
        leaf = unb64(document["leaf_hash"])
        assert leaf == reference.leaf_hash(unb64(document["event_hash"]))
        assert reference.inclusion_holds(leaf, document["leaf_index"], document["tree_size"],
                                         proof, root)
    else:
        assert reference.consistency_holds(document["old_size"], document["tree_size"], proof,
                                           unb64(document["old_root"]), root)


def test_every_kind_of_corruption_is_there() -> None:
    names = {v.path.rsplit("/", 1)[-1].removesuffix(".json") for v in INCLUSION + CONSISTENCY}
    assert {"wrong-leaf", "removed-component", "inserted-component", "trailing-root",
            "tree-size-plus-1", "leaf-index-plus-1", "swapped-roots", "truncated-proof",
            "wrong-old-root", "modified-proof[0]-bit-4", "modified-path[0]-bit-3"} <= names
    outcomes = {str(v.data["want_error"]) for v in INCLUSION + CONSISTENCY}
    assert {"None", str({"error": "ProofError"}), str({"error": "RootMismatchError"})} == outcomes
