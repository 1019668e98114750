"""Inclusion and consistency proof documents: built from a store, checked offline.

A proof document is self-contained JSON (hashes in base64) that names the chain, carries
the signed checkpoint whose root it proves against and the ledger's public key. Offline
checking needs only this document – and, to be meaningful, the ledger key pinned by the
auditor (``--ledger-key``); without a pin the document's own key is used and said so.

Checking a document (:func:`verify_proof_document`), each part tied to something trusted,
since a part that is not lets a server show two histories (immudb's GHSA-672p-m5jq-mrh8):

1. A signed checkpoint in the document must be of the chain the document names (its
   origin line), and name the proof's size and root; so must a signed old checkpoint.
2. With a pinned key, a document whose root no signed checkpoint covers is refused.
3. With a trusted checkpoint, a consistency proof must start from it and an inclusion
   proof be at its size.
4. A malformed field is an ``InvalidInput`` naming it, never another exception.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from ledger.envelope import open_envelope
from ledger.errors import InvalidInput, NotFound, VerificationError
from ledger.events.codec import decode_payload
from ledger.merkle.checkpoint import (
    Checkpoint,
    chain_origin,
    ledger_verifiers,
    open_checkpoint,
)
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


def _document_key(document: dict[str, Any]) -> bytes:
    value = document.get("ledger_public_key")
    if not isinstance(value, str):
        raise InvalidInput("missing or not hex text", field="ledger_public_key")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise InvalidInput("not hexadecimal", field="ledger_public_key") from None


def _text(document: dict[str, Any], field: str) -> str:
    value = document.get(field)
    if not isinstance(value, str):
        raise InvalidInput("missing or not text", field=field)
    return value


def _signed_checkpoint(document: dict[str, Any], field: str, key: bytes) -> Checkpoint:
    """The document's checkpoint ``field``, signed by ``key`` and of the chain it names.

    The origin line is checked, not only the signature: a checkpoint of another chain of
    the same ledger is as validly signed, and would otherwise let a proof about one tree
    pass for a proof about another.
    """
    name, chain = _text(document, "ledger_key_name"), _text(document, "chain")
    checkpoint = open_checkpoint(_text(document, field), ledger_verifiers(name, chain, key))
    if checkpoint.origin != chain_origin(name, chain):
        raise VerificationError(f"the signed checkpoint is of {checkpoint.origin!r}, not of "
                                f"chain {chain!r}", check="checkpoint")
    return checkpoint


def _check_trusted(document: dict[str, Any], trusted_note: str, key: bytes | None) -> str:
    """The proof must start from (consistency) or end at (inclusion) the checkpoint the
    caller trusted: the proof's other root is the server's word until it is tied to that
    one, which is the class of bug in immudb's GHSA-672p-m5jq-mrh8."""
    if key is None:
        raise InvalidInput("checking against a trusted checkpoint needs the ledger key",
                           field="ledger_key")
    name, chain = _text(document, "ledger_key_name"), _text(document, "chain")
    trusted = open_checkpoint(trusted_note, ledger_verifiers(name, chain, key))
    if trusted.origin != chain_origin(name, chain):
        raise VerificationError(f"the trusted checkpoint is of {trusted.origin!r}, not of "
                                f"chain {chain!r}", check="trusted-checkpoint")
    kind = document.get("type")
    size_field, root_field = (("old_size", "old_root") if kind == "consistency"
                              else ("tree_size", "root"))
    if (document.get(size_field) != trusted.size
            or _unb64(document.get(root_field), root_field) != trusted.root_hash):
        raise VerificationError(
            f"the proof's {size_field.replace('_', ' ')} and root are not those of the "
            f"checkpoint you trusted (size {trusted.size})", check="trusted-checkpoint",
            hint=("ask for a consistency proof from your trusted size" if kind == "consistency"
                  else "ask for the inclusion proof at your trusted size (--size)"))
    return f"checked against your trusted checkpoint at size {trusted.size}"


def verify_proof_document(document: Any, pinned_key: bytes | None,
                          trusted_checkpoint: str | None = None) -> dict[str, Any]:
    """Check a proof document; raise ``VerificationError`` (or ``InvalidInput``) if bad.

    With ``pinned_key`` the root must be covered by a checkpoint that key signed for the
    chain the document names; a document without one is refused (an unsigned root proves
    nothing about the ledger). Without a pin the document's own key is used, and the
    result says so. With ``trusted_checkpoint`` (a signed note the caller kept) a
    consistency proof must start from it and an inclusion proof must be at its size.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidInput(f"not an {FORMAT} document", field="format")
    hashes = document.get("path")
    if not isinstance(hashes, list):
        raise InvalidInput("must be a list of base64 hashes", field="path")
    path = [_unb64(h, "path") for h in hashes]
    root = _unb64(document.get("root"), "root")
    size = document.get("tree_size")
    if not isinstance(size, int) or isinstance(size, bool):
        raise InvalidInput("must be an integer", field="tree_size")
    signed = "root not covered by a signed checkpoint"
    key = pinned_key
    if document.get("checkpoint") is not None:
        key = pinned_key if pinned_key is not None else _document_key(document)
        checkpoint = _signed_checkpoint(document, "checkpoint", key)
        if checkpoint.size != size or checkpoint.root_hash != root:
            raise VerificationError("the signed checkpoint names another size or root",
                                    check="checkpoint")
        signed = ("root signed by the pinned ledger key" if pinned_key is not None else
                  "root signed by the key in the document (pin it with --ledger-key)")
    elif pinned_key is not None:
        raise VerificationError("no signed checkpoint covers the proof's root, so the pinned "
                                "key vouches for nothing in it", check="checkpoint",
                                hint="ask for the proof at a checkpointed size (--size)")
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
        if trusted_checkpoint is not None:
            signed += "; " + _check_trusted(document, trusted_checkpoint, key)
        return {"valid": True, "type": "inclusion",
                "detail": f"seq {index} is in {document.get('chain')} at size {size}; {signed}"}
    if document.get("type") == "consistency":
        old_size = document.get("old_size")
        if not isinstance(old_size, int) or isinstance(old_size, bool):
            raise InvalidInput("must be an integer", field="old_size")
        old_root = _unb64(document.get("old_root"), "old_root")
        old_signed = "old root unsigned: compare it with the checkpoint you trusted"
        if document.get("old_checkpoint") is not None and key is not None:
            old = _signed_checkpoint(document, "old_checkpoint", key)
            if old.size != old_size or old.root_hash != old_root:
                raise VerificationError("the signed old checkpoint names another size or root",
                                        check="checkpoint")
            old_signed = "old root signed too"
        verify_consistency(old_size, size, path, old_root, root)
        if trusted_checkpoint is not None:
            old_signed = _check_trusted(document, trusted_checkpoint, key)
        return {"valid": True, "type": "consistency",
                "detail": f"size {old_size} is a prefix of size {size}; {signed}; {old_signed}"}
    raise InvalidInput("type must be inclusion or consistency", field="type")
