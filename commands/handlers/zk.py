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
from collections.abc import Callable
from functools import reduce
from typing import Any

from commands.handlers.lookups import key_in_chain
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto.memory import zeroize
from ledger.crypto.zk import pedersen, range_proof, stark
from ledger.crypto.zk.commitment_key import CommitmentKind, commitment_kind
from ledger.crypto.zk.pedersen import PedersenCommitment
from ledger.domain.key import Key
from ledger.errors import (
    AuthenticationFailed,
    IllegalTransition,
    InvalidInput,
    InvalidSignature,
)

MAX_LEAVES = 256
"""At most this many commitments to values under one sum (sums of sums expand to them), so
that opening a sum costs a bounded number of derivations: one unsealing per key version."""


def leaves_of(key: Key, commitment_id: str, *, field: str) -> list[str]:
    """The commitments to values a commitment adds up (itself, for a commitment to a value),
    with repetitions; ``InvalidInput`` naming ``field`` past :data:`MAX_LEAVES` (or a sum
    nested deeper than that)."""
    leaves: list[str] = []
    pending = [commitment_id]
    for _ in range(4 * MAX_LEAVES):
        if not pending:
            return leaves
        current = pending.pop()
        made = key.commitment(current)
        if made["parts"]:
            pending.extend(made["parts"])
        else:
            leaves.append(current)
        if len(leaves) + len(pending) > MAX_LEAVES:
            break
    raise InvalidInput(f"a sum may add up at most {MAX_LEAVES} commitments to values",
                       field=field)


def blindings_of(decision: Decision, key: Key, commitment_ids: list[str]) -> list[bytearray]:
    """The blindings that open recorded commitments (a sum: the sum of its leaves'), each a
    buffer to wipe. Each key version involved is unsealed once."""
    kind = commitment_kind(key.algorithm)
    expanded = [leaves_of(key, c, field="commitment_ids") for c in commitment_ids]
    needed: dict[int, set[str]] = {}
    for leaves in expanded:
        for leaf in leaves:
            needed.setdefault(key.commitment(leaf)["version"], set()).add(leaf)
    derived: dict[str, bytearray] = {}
    sums: list[bytearray] = []
    try:
        for version, names in sorted(needed.items()):
            derived.update(decision.ledger.material.use(
                key.key_id, version, key.versions[version], _deriver(kind, sorted(names))))
        for leaves in expanded:
            sums.append(_sum(derived, leaves))
        return sums
    except BaseException:
        for blinding in sums:
            zeroize(blinding)
        raise
    finally:
        for blinding in derived.values():
            zeroize(blinding)


def _deriver(kind: CommitmentKind, names: list[str]
             ) -> Callable[[bytearray], dict[str, bytearray]]:
    """The blindings of ``names`` from one version's secret (wiped if one derivation fails)."""
    def derive(secret: bytearray) -> dict[str, bytearray]:
        made: dict[str, bytearray] = {}
        try:
            for name in names:
                made[name] = kind.blinding(secret, name)
        except BaseException:
            for blinding in made.values():
                zeroize(blinding)
            raise
        return made
    return derive


def _sum(derived: dict[str, bytearray], leaves: list[str]) -> bytearray:
    total = bytearray(derived[leaves[0]])
    for leaf in leaves[1:]:
        added = pedersen.add_blindings(total, derived[leaf])
        zeroize(total)
        total = added
    return total


def _commit_parts(key: Key, parts: list[str]) -> bytes:
    if len(set(parts)) != len(parts):
        raise InvalidInput("a commitment id appears twice in parts", field="parts")
    if sum(len(leaves_of(key, part, field="parts")) for part in parts) > MAX_LEAVES:
        raise InvalidInput(f"a sum may add up at most {MAX_LEAVES} commitments to values",
                           field="parts")
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
        kind = commitment_kind(key.algorithm)
        blinding = decision.ledger.material.use(
            key.key_id, version, key.versions[version],
            lambda secret: kind.blinding(secret, commitment_id))
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
    blindings = blindings_of(decision, key, ids)
    try:
        for commitment_id, commitment, value, blinding in zip(ids, points, values, blindings,
                                                              strict=True):
            try:
                pedersen.verify_opening(commitment, value, blinding)
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


@handles("ProveStark")
def prove_stark(decision: Decision) -> dict[str, Any]:
    """Make a hash-chain STARK and record its statement and digest (no key: a journal fact
    of the domain's chain, ``stark-proofs``)."""
    if decision.command.chain_id == SYSTEM_CHAIN:
        raise InvalidInput("STARK proofs are recorded in a key domain, not the system chain",
                           field="domain")
    args = decision.args
    made = stark.prove(stark.start_from_bytes(bytes.fromhex(args["start"])), args["steps"])
    serialised = made.to_bytes()
    digest = hashlib.sha256(serialised).digest()
    security_bits = int(stark.parameters()["conjectured_security_bits"])
    decision.record("stark-proofs", "StarkProofRecorded", {
        "scheme": stark.SCHEME, "start": made.start, "steps": made.steps, "end": made.end,
        "proof_digest": digest, "proof_size": len(serialised),
        "security_bits": security_bits, "actor_id": decision.command.actor_id})
    return {"scheme": stark.SCHEME, "start": made.start.hex(), "steps": made.steps,
            "end": made.end.hex(), "proof": serialised.hex(), "proof_digest": digest.hex(),
            "proof_size": len(serialised), "security_bits": security_bits}
