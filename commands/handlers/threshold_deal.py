"""Handlers: a trusted dealer's key generation (RFC 9591 appendix C) through the ledger.

Why a second way to make a group key: the DKG never lets the group secret exist, which is
what to use for a new key; but an existing ledger key (an Ed25519 key whose public key is
already published, a secp256k1 key holding funds) can only become a group key by being
split, and RFC 9591 appendix C is how. The dealer's ledger knows the secret while it
splits it; that is the trust the dealer is given, stated in docs/threshold.md.

The seats take part exactly as in a DKG's first step: each runs ``StartThresholdDkg`` (its
round 1 message carries its identifier and its X25519 transport key); the dealer reads
every seat's message, splits, seals each share to its seat the way DKG round 2 shares
are sealed (:mod:`ledger.crypto.threshold.deal`) and records commitments only; each seat
then accepts its share (``AcceptThresholdDeal``) once it matches the commitments, and
signs with the ordinary ``CommitThresholdSigning`` / ``SignThresholdShare`` /
``AggregateThresholdSignature``.
"""

from __future__ import annotations

import hmac
import json
import uuid
from typing import Any

import coincurve

from commands.handlers.lookups import key_in_chain
from commands.handlers.registry import handles
from commands.handlers.threshold_support import (
    CHEATING,
    actor_of,
    group_in_chain,
    group_key_row,
    in_domain,
    parse_messages,
    record_group_key,
    retire_replaced,
    same_group,
    shred_after,
)
from ledger.application import Decision
from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.deal import (
    KEY_ALGORITHMS,
    DealMessage,
    deal,
    ledger_key_scalar,
    open_dealt_share,
    package_of,
)
from ledger.crypto.threshold.errors import CheatingParticipant
from ledger.crypto.threshold.rounds import Round1Message, canonical_text, check_group_id
from ledger.crypto.threshold.suites import suite_by_name
from ledger.domain.key import KeyState
from ledger.domain.threshold_group import ThresholdGroup
from ledger.errors import CommandRejected, CryptoError, IllegalTransition, InvalidInput
from ledger.recipes.threshold_material import open_state, seal_state


def _same_public_key(suite: str, found: bytes, recorded: bytes) -> bool:
    """The split key's public key and the group key ``C_0`` (secp256k1: any SEC1 form)."""
    if suite == "frost-secp256k1":
        recorded = coincurve.PublicKey(recorded).format(compressed=True)
    return hmac.compare_digest(found, recorded)


@handles("DealThresholdKey")
def deal_threshold_key(decision: Decision) -> dict[str, Any]:
    """Split a ledger key or a fresh secret; seal each share to its seat; record
    commitments (the coefficients are wiped by the split itself)."""
    ledger, args = decision.ledger, decision.args
    domain = in_domain(decision)
    threshold, participants = args["threshold"], args["participants"]
    if threshold > participants:
        raise InvalidInput("the threshold cannot exceed the participants", field="threshold")
    group_id = check_group_id(args["group_id"])
    if group_id in ledger.state.threshold_groups:
        raise CommandRejected(f"this ledger already holds a record of group {group_id}: the "
                              "dealer deals from a ledger without a seat in the group",
                              field="group_id", reason_code="exists")
    suite = suite_by_name(args["suite"])
    seats = parse_messages(args["participant_messages"], Round1Message.from_dict,
                           "participant_messages")
    key_id, version = args.get("key_id"), 0
    if key_id:
        if suite.name not in KEY_ALGORITHMS:
            raise InvalidInput(f"a {suite.name} dealer deals a fresh secret only: no ledger "
                               "key algorithm shares its scalar", field="key_id")
        key = key_in_chain(decision)
        if key.algorithm != KEY_ALGORITHMS[suite.name]:
            raise InvalidInput(f"a {suite.name} group splits an "
                               f"{KEY_ALGORITHMS[suite.name]} key, not {key.algorithm}",
                               field="key_id")
        version = key.check_can_export(None)
        if key.state is not KeyState.ACTIVE:  # a compromised key must not become a group key
            raise IllegalTransition(f"key {key.key_id} is {key.state}: only an active key is "
                                    "split", reason_code="key-not-active")
        record = key.versions[version]

        def split(secret: bytearray) -> DealMessage:
            scalar = ledger_key_scalar(suite, secret)
            try:
                return deal(suite, group_id, threshold, participants, seats,
                            secret_key=scalar)
            finally:
                zeroize(scalar)

        message = ledger.material.use(key.key_id, version, record, split)
        if not _same_public_key(suite.name, message.commitments[0], record["public_key"]):
            raise CryptoError("the split key's group key is not the key's public key")
    else:
        message = deal(suite, group_id, threshold, participants, seats)
    package = package_of(message)
    document = message.to_dict()
    package_text = canonical_text(package.to_dict())
    group = ThresholdGroup.create(
        ThresholdGroup.KeyDealt, aggregate_id=uuid.UUID(group_id), at=decision.now,
        group_id=group_id, domain=domain, suite=suite.name, label=args.get("label"),
        threshold=threshold, participants=participants, key_id=key_id or None,
        key_version=version, participant_messages=canonical_text(
            [s.to_dict() for s in sorted(seats, key=lambda s: s.sender)]),
        deal=canonical_text(document), group_public_key=package.group_public_key,
        public_key_package=package_text, actor_id=actor_of(decision))
    decision.touch(group)
    return {"group_id": group_id, "suite": suite.name, "threshold": threshold,
            "participants": participants, "identifier": 0,
            "group_public_key": package.group_public_key.hex(),
            "public_key_package": json.loads(package_text), "message": document}


def _deal_for(group: ThresholdGroup, raw: Any) -> DealMessage:
    try:
        message = DealMessage.from_dict(raw)
    except InvalidInput as bad:
        raise InvalidInput(bad.message, field="deal") from None
    same_group(group, message.group_id, "deal")
    if (message.suite.name, message.threshold, message.participants) != (
            group.suite, group.threshold, group.participants):
        raise InvalidInput(f"the deal is {message.suite.name} {message.threshold}-of-"
                           f"{message.participants}; this seat is {group.suite} "
                           f"{group.threshold}-of-{group.participants}", field="deal")
    return message


@handles("AcceptThresholdDeal")
def accept_threshold_deal(decision: Decision) -> dict[str, Any]:
    """Open this seat's dealt share, check it against the commitments, seal it."""
    ledger = decision.ledger
    in_domain(decision)
    group = group_in_chain(decision)
    group.require_stage("round1", "accept a dealt share")
    message = _deal_for(group, decision.args["deal"])
    state = open_state(ledger.material, group.group_id, "dkg1", group.sealed_state,
                       group.state_ref)
    transport = bytearray(bytes.fromhex(state["transport_key"]))
    try:
        share = open_dealt_share(message, group.identifier, transport)
    except (CheatingParticipant, CryptoError) as bad:
        raise CommandRejected(f"the dealer cheated: {bad.message}", field="deal",
                              reason_code=CHEATING,
                              hint="do not use this group: deal again, or run the DKG"
                              ) from None
    finally:
        zeroize(transport)
    try:
        sealed = seal_state(ledger.material, group.group_id, "share", share.to_dict())
    finally:
        share.zeroize()
    package = package_of(message)
    old_ref = group.state_ref
    group.record_deal_accepted(actor_id=actor_of(decision),
                               deal=canonical_text(message.to_dict()),
                               group_public_key=package.group_public_key,
                               public_key_package=canonical_text(package.to_dict()),
                               sealed_share=sealed.sealed, data_key_ref=sealed.data_key_ref,
                               at=decision.now)
    key_id = record_group_key(decision, group)
    shred_after(decision, [old_ref, *retire_replaced(decision, group)])
    return group_key_row(group, key_id)
