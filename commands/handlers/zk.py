"""Handlers: Pedersen commitments and Bulletproofs range proofs with commitment keys.

The values travel beside the signed command (``decision.inputs``) and are never recorded;
the blinding of a commitment is derived from its key version's sealed secret
(``ledger.crypto.zk.commitment_key``), so the ledger keeps no per-commitment secret and a
destroyed key can never open or prove about its commitments again. A sum's blinding is the
sum of its parts' blindings. Every blinding is a ``bytearray`` wiped here after use.

A ProveRange whose values do not open the commitments is an ``AuthenticationFailed``
refusal (reason ``opening-mismatch``), recorded like a failed MAC check: the command is an
oracle for "is v the committed value?", so guessing shows in the log (and is summarized per
actor past the refusal limit, ``ledger.refusals``).
"""

from __future__ import annotations

import hashlib
from functools import reduce
from typing import Any

from commands.handlers.lookups import key_in_chain
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.crypto.memory import zeroize
from ledger.crypto.zk import pedersen, range_proof
from ledger.crypto.zk.commitment_key import commitment_kind
from ledger.crypto.zk.pedersen import PedersenCommitment
from ledger.domain.key import Key
from ledger.errors import (
    AuthenticationFailed,
    IllegalTransition,
    InvalidInput,
    InvalidSignature,
)


def _derived(decision: Decision, key: Key, version: int, commitment_id: str) -> bytearray:
    """The blinding of ``commitment_id`` under one key version (a buffer to wipe)."""
    kind = commitment_kind(key.algorithm)
    return decision.ledger.material.use(key.key_id, version, key.versions[version],
                                        lambda secret: kind.blinding(secret, commitment_id))


def blinding_of(decision: Decision, key: Key, commitment_id: str) -> bytearray:
    """The blinding that opens a recorded commitment (a sum: its parts' blindings added)."""
    made = key.commitment(commitment_id)
    if not made["parts"]:
        return _derived(decision, key, made["version"], commitment_id)
    total: bytearray | None = None
    for part in made["parts"]:
        blinding = blinding_of(decision, key, part)
        if total is None:
            total = blinding
            continue
        try:
            total_next = pedersen.add_blindings(total, blinding)
        finally:
            zeroize(total)
            zeroize(blinding)
        total = total_next
    assert total is not None
    return total


def _commit_parts(key: Key, parts: list[str]) -> bytes:
    if len(set(parts)) != len(parts):
        raise InvalidInput("a commitment id appears twice in parts", field="parts")
    points = [PedersenCommitment(key.commitment(part)["point"]) for part in parts]
    return reduce(lambda left, right: left + right, points).point


@handles("Commit")
def commit(decision: Decision) -> dict[str, Any]:
    """Commit to the input value (or add up earlier commitments) under the current version."""
    args, actor = decision.args, decision.command.actor_id
    key = key_in_chain(decision)
    commitment_kind(key.algorithm)
    version = key.check_can_use("commit", actor)
    commitment_id, parts = args["commitment_id"], list(args["parts"])
    value = decision.inputs.get("value")
    if parts and value is not None:
        raise InvalidInput("give a value or the parts to add up, not both", field="value")
    if not parts and value is None:
        raise InvalidInput("a commitment needs a value (or parts to add up)", field="value")
    if commitment_id in key.commitments:
        raise IllegalTransition(f"key {key.key_id} has a commitment {commitment_id!r} already",
                                reason_code="exists")
    if value is None:
        point = _commit_parts(key, parts)
    else:
        blinding = _derived(decision, key, version, commitment_id)
        try:
            point = pedersen.commit(value, blinding=blinding)[0].point
        finally:
            zeroize(blinding)
    key.record_commitment(actor_id=actor, key_version=version, commitment_id=commitment_id,
                          commitment=point, parts=parts, at=decision.now)
    return {"key_id": key.key_id, "key_version": version, "commitment_id": commitment_id,
            "commitment": point.hex(), "parts": parts}


@handles("ProveRange")
def prove_range(decision: Decision) -> dict[str, Any]:
    """Prove the named commitments hold values in range, after checking the values open them."""
    args, actor = decision.args, decision.command.actor_id
    key = key_in_chain(decision)
    commitment_kind(key.algorithm)
    key.check_can_use("commit", actor)
    ids, values = list(args["commitment_ids"]), list(decision.inputs["values"])
    if len(values) != len(ids):
        raise InvalidInput(f"{len(ids)} commitments need {len(ids)} values, got {len(values)}",
                           field="values")
    points = [PedersenCommitment(key.commitment(c)["point"]) for c in ids]
    context = bytes.fromhex(args["context"])
    blindings: list[bytearray] = []
    try:
        for commitment_id, commitment, value in zip(ids, points, values, strict=True):
            blindings.append(blinding_of(decision, key, commitment_id))
            try:
                pedersen.verify_opening(commitment, value, blindings[-1])
            except InvalidSignature:
                raise AuthenticationFailed(f"the value given for {commitment_id!r} is not the "
                                           "one it commits to", field="values",
                                           reason_code="opening-mismatch") from None
        proof, _ = range_proof.prove(values, bits=args["bits"], context=context,
                                     blindings=blindings)
    finally:
        for blinding in blindings:
            zeroize(blinding)
    if list(proof.commitments) != points:
        raise InvalidInput("the proof's commitments differ from the recorded ones",
                           field="commitment_ids")
    serialised = proof.to_bytes()
    digest = hashlib.sha256(serialised).digest()
    key.record_range_proof(actor_id=actor, commitment_ids=ids, bits=proof.bits,
                           context_digest=hashlib.sha256(context).digest(),
                           proof_digest=digest, proof_size=len(serialised), at=decision.now)
    return {"key_id": key.key_id, "scheme": range_proof.SCHEME, "bits": proof.bits,
            "commitment_ids": ids, "commitments": [p.point.hex() for p in points],
            "proof": serialised.hex(), "proof_digest": digest.hex(),
            "proof_size": len(serialised)}
