"""Handlers: privacy services (RFC 9474 blind signatures, Paillier, proofs of possession,
anonymous ring approvals; ledger/catalogue/privacy.py says what each records).

Every handler checks what can be checked from public values before any key material is
unsealed, verifies what it produces or accepts (a blind signature is checked ``s^e = m``
inside :func:`~ledger.crypto.privacy.blind_rsa.blind_sign`; a possession proof made by the
ledger is verified before it is returned; a submitted proof or ring signature is verified
before it is counted), and records digests, key images and proofs, never a hidden message
or plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from commands.handlers.lookups import key_in_chain, matching_digest, sha256
from commands.handlers.registry import handles
from commands.privacy_reads import INTEGER, group_row
from ledger.application import Decision
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto.entropy import random_bytes
from ledger.crypto.key_kinds import get_blind_signer, get_homomorphic
from ledger.crypto.privacy import paillier, pok, ring
from ledger.crypto.privacy.kinds import HomomorphicKind
from ledger.domain.approval_group import ApprovalGroup, approval_scope, approval_statement
from ledger.domain.key import Key
from ledger.errors import CommandRejected, InvalidInput, UnsupportedAlgorithm

POSSESSION_SUITES = {"ed25519": "ed25519", "ecdsa-secp256k1": "secp256k1"}
"""Managed key algorithms whose possession the ledger can prove (RFC 8235 groups)."""

IDENTITY_SUITE = "ed25519"  # actors' identity keys
MICROS = 1_000_000


def service_name(decision: Decision) -> str:
    """The verifier named in identity-possession proofs: this ledger."""
    return f"skms:{decision.ledger.ledger_id}"


def parse_integer(text: str | None, name: str, *, default: int) -> int:
    """A decimal integer argument (Paillier constants exceed JSON's safe integers)."""
    if text is None:
        return default
    if INTEGER.fullmatch(text) is None:
        raise InvalidInput("must be a decimal integer", field=name)
    return int(text)


# --- RFC 9474 blind signatures -------------------------------------------------------------

@handles("BlindSign")
def blind_sign(decision: Decision) -> dict[str, Any]:
    """Blind-sign with the key's current version; counted against its daily limit."""
    blinded = decision.inputs["blinded_message"]
    digest = matching_digest(decision, "blinded_message_digest", blinded)
    key = key_in_chain(decision)
    kind = get_blind_signer(key.algorithm)
    actor = decision.command.actor_id
    key.check_can_sign(actor, decision.now)
    version = key.current_version
    blind_signature = decision.ledger.material.use(
        key.key_id, version, key.versions[version],
        lambda secret: kind.blind_sign(secret, bytes(blinded)))
    key.record_blind_signature(actor_id=actor, variant=kind.variant.name,
                               blinded_message_digest=digest,
                               blind_signature_digest=sha256(blind_signature),
                               at=decision.now)
    return {"key_id": key.key_id, "key_version": version, "variant": kind.variant.name,
            "blind_signature": blind_signature.hex()}


# --- Paillier --------------------------------------------------------------------------------

def paillier_version(key: Key, kind: HomomorphicKind, blobs: Sequence[bytes],
                     field: str) -> tuple[int, paillier.PaillierPublicKey]:
    """The key version every ciphertext names (by its 16-byte key id), and its public key."""
    named = {bytes(blob[1:1 + paillier.KEY_ID_SIZE]) for blob in blobs}
    if len(named) != 1:
        raise InvalidInput("the ciphertexts are under different keys or versions", field=field)
    (key_id,) = named
    for version in sorted(key.versions, reverse=True):
        public = kind.public(bytes(key.versions[version]["public_key"]))
        if hmac.compare_digest(public.key_id, key_id):
            return version, public
    raise InvalidInput(f"the ciphertext was not made under any version of key {key.key_id}",
                       field=field)


@handles("HomomorphicCombine")
def homomorphic_combine(decision: Decision) -> dict[str, Any]:
    """``multiplier * sum + offset`` on ciphertexts, re-randomised before it is returned."""
    blobs = [bytes(b) for b in decision.inputs["ciphertexts"]]
    digests = decision.args["ciphertext_digests"]
    if len(digests) != len(blobs):
        raise InvalidInput("one digest per ciphertext is required", field="ciphertexts")
    claimed = [bytes.fromhex(d) for d in digests]
    for index, blob in enumerate(blobs):
        if not hmac.compare_digest(sha256(blob), claimed[index]):
            raise InvalidInput(f"ciphertext {index} does not match its signed digest",
                               field="ciphertext_digests")
    multiplier = parse_integer(decision.args.get("multiplier"), "multiplier", default=1)
    offset = parse_integer(decision.args.get("offset"), "offset", default=0)
    key = key_in_chain(decision)
    kind = get_homomorphic(key.algorithm)
    actor = decision.command.actor_id
    key.check_can_use("encrypt", actor, processing=True)
    version, public = paillier_version(key, kind, blobs, "ciphertexts")
    key.check_can_use("encrypt", actor, processing=True, version=version)
    parsed = [public.parse_ciphertext(blob) for blob in blobs]
    total = parsed[0]
    for ciphertext in parsed[1:]:
        total = paillier.add(total, ciphertext)
    if multiplier != 1:
        total = paillier.multiply_constant(total, multiplier)
    if offset:
        total = paillier.add_constant(total, offset)
    result = paillier.rerandomize(total).to_bytes()
    result_digest = sha256(result)
    key.record_homomorphic_combination(
        actor_id=actor, key_version=version, ciphertext_digests=claimed,
        multiplier=decision.args.get("multiplier"), offset=decision.args.get("offset"),
        result_digest=result_digest, at=decision.now)
    return {"key_id": key.key_id, "key_version": version, "ciphertext": result,
            "ciphertext_digest": result_digest.hex()}


@handles("HomomorphicDecrypt")
def homomorphic_decrypt(decision: Decision) -> dict[str, Any]:
    """The plaintext, to the caller only; the event names the ciphertext by digest."""
    blob = bytes(decision.inputs["ciphertext"])
    digest = matching_digest(decision, "ciphertext_digest", blob)
    key = key_in_chain(decision)
    kind = get_homomorphic(key.algorithm)
    actor = decision.command.actor_id
    key.check_can_use("decrypt", actor, processing=True)
    version, public = paillier_version(key, kind, [blob], "ciphertext")
    key.check_can_use("decrypt", actor, processing=True, version=version)
    public.parse_ciphertext(blob)  # malformed input is refused before the key is unsealed
    value = decision.ledger.material.use(key.key_id, version, key.versions[version],
                                         lambda secret: kind.decrypt(secret, blob))
    if decision.args["signed"] and value > public.n // 2:
        value -= public.n
    key.record_homomorphic_decryption(actor_id=actor, key_version=version,
                                      ciphertext_digest=digest, at=decision.now)
    return {"key_id": key.key_id, "key_version": version, "plaintext": str(value)}


# --- proofs of possession (RFC 8235) ---------------------------------------------------------

@handles("IssuePossessionChallenge")
def issue_possession_challenge(decision: Decision) -> dict[str, Any]:
    """A fresh nonce for one actor, named by this ledger and the purpose, expiring soon."""
    actor = decision.ledger.actor(decision.args["actor_id"])
    decision.touch(actor)
    challenge_id = str(decision.ledger.new_id())
    nonce = bytes(random_bytes(pok.NONCE_SIZE))
    expires_at = decision.now + decision.args["ttl_seconds"] * MICROS
    service = service_name(decision)
    actor.issue_challenge(challenge_id=challenge_id, service=service,
                          purpose=decision.args["purpose"], nonce=nonce, expires_at=expires_at,
                          issued_by=decision.command.actor_id, at=decision.now)
    return {"challenge_id": challenge_id, "actor_id": actor.actor_id, "service": service,
            "purpose": decision.args["purpose"], "nonce": nonce.hex(),
            "expires_at": expires_at}


@handles("ProvePossession")
def prove_possession(decision: Decision) -> dict[str, Any]:
    """Verify the actor's proof for its open challenge; the challenge then closes."""
    actor = decision.ledger.actor(decision.args["actor_id"])
    decision.touch(actor)
    challenge_id = decision.args["challenge_id"]
    opened = actor.open_challenge(challenge_id, at=decision.now)
    if decision.args.get("proof") is None:
        raise InvalidInput("the proof is missing", field="proof",
                           hint="make it with ledger.crypto.privacy.pok.prove, or let the "
                                "CLI make it from the actor's identity key")
    proof = bytes.fromhex(decision.args["proof"])
    challenge = pok.PoKChallenge(opened["service"], opened["purpose"], opened["nonce"])
    pok.verify(IDENTITY_SUITE, bytes(actor.public_key), proof, user_id=actor.actor_id,
               challenge=challenge)
    proof_digest = sha256(proof)
    actor.prove_possession(challenge_id=challenge_id, suite=IDENTITY_SUITE, proof=proof,
                           proof_digest=proof_digest, submitted_by=decision.command.actor_id,
                           at=decision.now)
    return {"actor_id": actor.actor_id, "challenge_id": challenge_id, "suite": IDENTITY_SUITE,
            "proof_digest": proof_digest.hex()}


@handles("ProveKeyPossession")
def prove_key_possession(decision: Decision) -> dict[str, Any]:
    """The ledger's proof for a managed key, checked against its public key before release."""
    key = key_in_chain(decision)
    suite = POSSESSION_SUITES.get(key.algorithm)
    if suite is None:
        raise UnsupportedAlgorithm(f"possession proofs are for {sorted(POSSESSION_SUITES)} "
                                   f"keys, not {key.algorithm}", field="key_id")
    actor = decision.command.actor_id
    key.check_can_sign(actor, decision.now)
    version = key.current_version
    challenge = pok.PoKChallenge(decision.args["service"], decision.args["purpose"],
                                 bytes.fromhex(decision.args["nonce"]))
    user_id = decision.args.get("user_id") or key.key_id
    proof = decision.ledger.material.use(
        key.key_id, version, key.versions[version],
        lambda secret: pok.prove(suite, secret, user_id=user_id, challenge=challenge))
    public_key = bytes(key.versions[version]["public_key"])
    pok.verify(suite, public_key, proof, user_id=user_id, challenge=challenge)
    encoded = proof.to_bytes()
    challenge_digest = hashlib.sha256(challenge.other_info(pok.group_named(suite))).digest()
    key.record_possession_proof(actor_id=actor, key_version=version, suite=suite,
                                public_key=public_key, challenge_digest=challenge_digest,
                                proof_digest=sha256(encoded), at=decision.now)
    return {"key_id": key.key_id, "key_version": version, "suite": suite, "user_id": user_id,
            "public_key": public_key.hex(), "proof": encoded.hex()}


# --- anonymous approvals (LSAG ring signatures) ----------------------------------------------

@handles("CreateApprovalGroup")
def create_approval_group(decision: Decision) -> dict[str, Any]:
    """Fix the ring: the members' current identity keys, in the order given."""
    ledger, command, args = decision.ledger, decision.command, decision.args
    if command.chain_id == SYSTEM_CHAIN:
        raise InvalidInput("approval groups live in key domains", field="domain")
    members = list(args["members"])
    if len(set(members)) != len(members):
        raise InvalidInput("a member is named twice", field="members")
    keys = []
    for member in members:
        actor = ledger.actor(member)
        if actor.revoked:
            raise CommandRejected(f"actor {actor.name} is revoked", field="members",
                                  reason_code="revoked")
        keys.append(bytes(actor.public_key))
    if args["quorum"] > len(members):
        raise InvalidInput(f"a quorum of {args['quorum']} exceeds the {len(members)} members",
                           field="quorum")
    digest = bytes.fromhex(ring.ring_digest(keys))  # also checks each key is a ring key
    group_id = ledger.new_id()
    group = ApprovalGroup.create(ApprovalGroup.Defined, aggregate_id=group_id, at=decision.now,
                                 group_id=str(group_id), domain=command.chain_id,
                                 label=args.get("label"), members=members, ring=keys,
                                 ring_digest=digest, quorum=args["quorum"],
                                 created_by=command.actor_id)
    decision.touch(group)
    return group_row(group)


@handles("RingApprove")
def ring_approve(decision: Decision) -> dict[str, Any]:
    """Verify a ring signature on the approval statement and count it once per image."""
    group = decision.ledger.group(decision.args["group_id"])
    if group.domain != decision.command.chain_id:
        raise CommandRejected(f"approval group {group.group_id} belongs to domain "
                              f"{group.domain!r}, not {decision.command.chain_id!r}",
                              field="chain_id", reason_code="wrong-chain")
    decision.touch(group)
    if decision.command.actor_id in group.members:
        raise CommandRejected("a member may not submit an approval itself: its signature on "
                              "the command would name it", field="actor_id",
                              hint="have an actor outside the ring relay it",
                              reason_code="submitter-in-ring")
    digest = matching_digest(decision, "message_digest", decision.inputs["message"])
    proposal = decision.args["proposal"]
    signature = bytes.fromhex(decision.args["signature"])
    checked = ring.verify(group.ring, approval_statement(group.group_id, proposal, digest),
                          signature, scope=approval_scope(group.group_id, proposal))
    group.record_approval(proposal=proposal, message_digest=digest,
                          key_image=checked.key_image, signature=signature,
                          signature_digest=sha256(signature), at=decision.now)
    count = group.approvals(proposal)
    return {"group_id": group.group_id, "proposal": proposal,
            "key_image": checked.key_image.hex(), "approvals": count,
            "quorum": group.quorum, "approved": count >= group.quorum}
