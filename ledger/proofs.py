"""Inclusion and consistency proof documents: built from a store, checked offline.

A proof document is self-contained JSON (hashes in base64) that names the chain, carries
the signed checkpoint whose root it proves against and the ledger's public key. Offline
checking needs only this document – and, to be meaningful, the ledger key pinned by the
auditor (``--ledger-key``); without a pin the document's own key is used and said so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from ledger.envelope import open_envelope
from ledger.errors import InvalidInput, NotFound, VerificationError
from ledger.events.codec import decode_payload
from ledger.merkle.checkpoint import open_checkpoint
from ledger.merkle.hasher import hash_leaf
from ledger.merkle.tree import MerkleTree
from ledger.merkle.verify import verify_consistency, verify_inclusion
from ledger.stores.base import EventStore, StoredCheckpoint

FORMAT = "skms-proof-v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput("missing or not base64 text", field=field)
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput("not valid base64", field=field) from None


def _ledger_identity(store: EventStore) -> tuple[str, bytes]:
    for stored in store.read("system", 0, 1):
        envelope = open_envelope(stored)
        record = decode_payload(envelope.event_type, envelope.schema_version, envelope.payload)
        return record["origin"], bytes(record["ledger_public_key"])
    raise NotFound("the store holds no ledger (no genesis event)")


def _tree_and_checkpoint(store: EventStore, chain_id: str, size: int | None
                         ) -> tuple[MerkleTree, StoredCheckpoint | None, int]:
    tree = MerkleTree(hash_leaf(e.event_hash) for e in store.read(chain_id))
    if tree.size == 0:
        raise NotFound(f"chain {chain_id!r} has no events", field="chain")
    checkpoints = {c.size: c for c in store.checkpoints(chain_id)}
    if size is None:
        size = max(checkpoints) if checkpoints else tree.size
    if not 1 <= size <= tree.size:
        raise InvalidInput(f"must be between 1 and {tree.size}", field="size")
    return tree, checkpoints.get(size), size


def build_inclusion(store: EventStore, chain_id: str, seq: int, size: int | None) -> dict[str, Any]:
    asked = size
    tree, checkpoint, size = _tree_and_checkpoint(store, chain_id, size)
    if not 0 <= seq < size:
        hint = ""
        if asked is None and seq < tree.size:
            hint = (f"the latest checkpoint of {chain_id!r} covers seqs 0-{size - 1}: publish "
                    f"a new one (RequestCheckpoint; skms audit checkpoint --publish --chain "
                    f"{chain_id}), or ask for a proof at size {tree.size} (not yet signed)")
        raise InvalidInput(f"must be below the tree size {size}", field="seq", hint=hint)
    origin, key = _ledger_identity(store)
    stored = next(iter(store.read(chain_id, seq, seq + 1)))
    return {
        "format": FORMAT, "type": "inclusion", "chain": chain_id, "leaf_index": seq,
        "tree_size": size, "event_hash": _b64(stored.event_hash),
        "leaf_hash": _b64(hash_leaf(stored.event_hash)),
        "path": [_b64(h) for h in tree.inclusion_proof(seq, size)],
        "root": _b64(tree.root(size)), "checkpoint": checkpoint.note if checkpoint else None,
        "ledger_key_name": origin, "ledger_public_key": key.hex(),
        "event_body_sha256": hashlib.sha256(stored.body).hexdigest(),
    }


def build_consistency(store: EventStore, chain_id: str, old_size: int, size: int | None
                      ) -> dict[str, Any]:
    tree, checkpoint, size = _tree_and_checkpoint(store, chain_id, size)
    if not 1 <= old_size <= size:
        raise InvalidInput(f"must be between 1 and {size}", field="old_size")
    origin, key = _ledger_identity(store)
    old_checkpoint = {c.size: c for c in store.checkpoints(chain_id)}.get(old_size)
    return {
        "format": FORMAT, "type": "consistency", "chain": chain_id, "old_size": old_size,
        "tree_size": size, "old_root": _b64(tree.root(old_size)), "root": _b64(tree.root(size)),
        "path": [_b64(h) for h in tree.consistency_proof(old_size, size)],
        "checkpoint": checkpoint.note if checkpoint else None,
        "old_checkpoint": old_checkpoint.note if old_checkpoint else None,
        "ledger_key_name": origin, "ledger_public_key": key.hex(),
    }


def verify_proof_document(document: Any, pinned_key: bytes | None) -> dict[str, Any]:
    """Check a proof document; raise ``VerificationError`` (or ``InvalidInput``) if bad."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidInput(f"not an {FORMAT} document", field="format")
    path = [_unb64(h, "path") for h in document.get("path") or []]
    root = _unb64(document.get("root"), "root")
    size = document.get("tree_size")
    if not isinstance(size, int) or isinstance(size, bool):
        raise InvalidInput("must be an integer", field="tree_size")
    signed = "root not covered by a signed checkpoint"
    note = document.get("checkpoint")
    if note is not None:
        key_hex = document.get("ledger_public_key")
        key = pinned_key if pinned_key is not None else bytes.fromhex(str(key_hex))
        checkpoint = open_checkpoint(str(note), {str(document.get("ledger_key_name")): key})
        if checkpoint.size != size or checkpoint.root_hash != root:
            raise VerificationError("the signed checkpoint names another size or root",
                                    check="checkpoint")
        signed = ("root signed by the pinned ledger key" if pinned_key is not None else
                  "root signed by the key in the document (pin it with --ledger-key)")
    if document.get("type") == "inclusion":
        index = document.get("leaf_index")
        if not isinstance(index, int) or isinstance(index, bool):
            raise InvalidInput("must be an integer", field="leaf_index")
        leaf = _unb64(document.get("leaf_hash"), "leaf_hash")
        if "event_hash" in document and hash_leaf(_unb64(document["event_hash"],
                                                         "event_hash")) != leaf:
            raise VerificationError("leaf hash is not the hash of the event hash",
                                    check="inclusion")
        verify_inclusion(leaf, index, size, path, root)
        return {"valid": True, "type": "inclusion",
                "detail": f"seq {index} is in {document.get('chain')} at size {size}; {signed}"}
    if document.get("type") == "consistency":
        old_size = document.get("old_size")
        if not isinstance(old_size, int) or isinstance(old_size, bool):
            raise InvalidInput("must be an integer", field="old_size")
        verify_consistency(old_size, size, path, _unb64(document.get("old_root"), "old_root"),
                           root)
        return {"valid": True, "type": "consistency",
                "detail": f"size {old_size} is a prefix of size {size}; {signed}"}
    raise InvalidInput("type must be inclusion or consistency", field="type")
