"""Handlers: threshold group keys across ledgers (DKG rounds, FROST and BLS signing).

Each handler is one participant's step on its own ledger. What it receives from the other
participants (round messages, commitments, shares) is a signed argument, parsed strictly
and checked before any secret is opened; what it sends is in its result. A participant
that sent a bad value is named in a recorded refusal (reason ``cheating-participant`` or
``invalid-signature-share``), so the others can exclude it and run again.

Secrets are opened from their sealed stage, used, wiped, and their data key is shredded
after the command that consumed them commits (requirement 1 of
:mod:`ledger.domain.threshold_group`).

The three signing commands serve MuSig2 seats too: for suite ``musig2-secp256k1`` they hand
over to :mod:`commands.handlers.musig` after the checks every suite shares.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Sequence
from typing import Any

from commands.handlers.musig import musig_aggregate, musig_commit, musig_share
from commands.handlers.registry import handles
from commands.handlers.threshold_support import (
    CHEATING,
    actor_of,
    check_group_key,
    fresh_session,
    group_in_chain,
    group_key_row,
    in_domain,
    named,
    only_messages,
    parse_messages,
    record_group_key,
    retire_replaced,
    same_group,
    shred_after,
    signed_message,
)
from ledger.application import Decision
from ledger.crypto.memory import zeroize
from ledger.crypto.threshold import bls, frost
from ledger.crypto.threshold.dkg import (
    DkgRound1Secret,
    DkgRound2Secret,
    dkg_part1,
    dkg_part2,
    dkg_part3,
)
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.messages import SignatureShare, SigningPackage
from ledger.crypto.threshold.rounds import (
    CommitmentMessage,
    Round1Message,
    ShareMessage,
    canonical_text,
    check_group_id,
    group_session_id,
    transcript_digest,
)
from ledger.crypto.threshold.suites import ciphersuite_by_name, suite_by_name
from ledger.crypto.threshold.transport import (
    EncryptedShare,
    decrypt_share,
    encrypt_share,
    transport_key_pair,
)
from ledger.domain.threshold_group import (
    FROST_SUITES,
    MUSIG_SUITE,
    NONCE_SUITES,
    ThresholdGroup,
)
from ledger.errors import CommandRejected, CryptoError, InvalidInput
from ledger.recipes.threshold_material import open_state, seal_state

# --- DKG ----------------------------------------------------------------------------------

@handles("StartThresholdDkg")
def start_threshold_dkg(decision: Decision) -> dict[str, Any]:
    """Round 1: this seat's secret polynomial and transport key, sealed; its broadcast."""
    ledger, args = decision.ledger, decision.args
    domain = in_domain(decision)
    threshold, participants, identifier = (args["threshold"], args["participants"],
                                           args["identifier"])
    if threshold > participants:
        raise InvalidInput("the threshold cannot exceed the participants", field="threshold")
    if identifier > participants:
        raise InvalidInput("identifiers run from 1 to the participants", field="identifier")
    given = args.get("group_id")
    group_id = check_group_id(given) if given else str(ledger.new_id())
    if group_id in ledger.state.threshold_groups:
        raise CommandRejected(f"this ledger already holds a seat in group {group_id}",
                              field="group_id", reason_code="exists")
    replaces = args.get("replaces")
    suite = suite_by_name(args["suite"])
    if replaces:  # looked up, not touched: its retirement comes with the new key
        old = ledger.threshold_group(replaces)
        if old.domain != domain:
            raise CommandRejected(f"group {replaces} belongs to domain {old.domain!r}",
                                  field="replaces", reason_code="wrong-chain")
        old.require_stage("active", "be replaced")
        if old.suite != suite.name:
            raise InvalidInput(f"group {replaces} is a {old.suite} key", field="suite")
    secret, package = dkg_part1(suite, identifier, threshold, participants,
                                session_id=group_session_id(group_id))
    transport, transport_public = transport_key_pair()
    try:
        sealed = seal_state(ledger.material, group_id, "dkg1", {
            "round1": secret.to_dict(), "transport_key": bytes(transport).hex()})
    finally:
        secret.zeroize()
        zeroize(transport)
    message = Round1Message(group_id, package, transport_public).to_dict()
    group = ThresholdGroup.create(
        ThresholdGroup.DkgStarted, aggregate_id=uuid.UUID(group_id), at=decision.now,
        group_id=group_id, domain=domain, suite=suite.name, label=args.get("label"),
        threshold=threshold, participants=participants, identifier=identifier,
        replaces=replaces, round1_package=canonical_text(message),
        transport_public_key=transport_public, sealed_state=sealed.sealed,
        data_key_ref=sealed.data_key_ref, actor_id=actor_of(decision))
    decision.touch(group)
    return {"group_id": group_id, "suite": suite.name, "threshold": threshold,
            "participants": participants, "identifier": identifier, "message": message}


def _round1_messages(group: ThresholdGroup, raw: Sequence[Any]) -> list[Round1Message]:
    """The other participants' round 1 messages (this seat's own, if given, must be the
    one it recorded and is left out)."""
    parsed = parse_messages(raw, Round1Message.from_dict, "round1_messages")
    others = []
    for index, message in enumerate(parsed):
        same_group(group, message.group_id, f"round1_messages[{index}]")
        if message.sender == group.identifier:
            if canonical_text(message.to_dict()) != group.round1_package:
                raise InvalidInput("a round 1 message in this participant's name that it "
                                   "did not send", field=f"round1_messages[{index}]")
            continue
        others.append(message)
    return others


@handles("RunThresholdDkgRound")
def run_threshold_dkg_round(decision: Decision) -> dict[str, Any]:
    """Round 2: verify the peers' proofs, seal one share to each peer's transport key."""
    ledger = decision.ledger
    in_domain(decision)
    group = group_in_chain(decision)
    group.require_stage("round1", "run round 2")
    messages = _round1_messages(group, decision.args["round1_messages"])
    state = open_state(ledger.material, group.group_id, "dkg1", group.sealed_state,
                       group.state_ref)
    secret = DkgRound1Secret.from_dict(state["round1"])
    transport = bytearray(bytes.fromhex(state["transport_key"]))
    own_state: DkgRound2Secret | None = None
    outgoing: list[Any] = []
    try:
        own_state, outgoing = named(lambda: dkg_part2(secret, [m.package for m in messages]),
                                     "round1_messages")
        keys = {m.sender: m.transport_public_key for m in messages}
        encrypted = [encrypt_share(share, transport, keys[share.recipient]).to_dict()
                     for share in outgoing]
        sealed = seal_state(ledger.material, group.group_id, "dkg2", {
            "round2": own_state.to_dict(), "transport_key": bytes(transport).hex()})
    finally:
        secret.zeroize()
        zeroize(transport)
        for share in outgoing:
            share.zeroize()
        if own_state is not None:
            own_state.zeroize()
    own = Round1Message.from_dict(json.loads(group.round1_package))
    digest = transcript_digest([own, *messages])
    old_ref = group.state_ref
    group.record_shared(actor_id=actor_of(decision),
                        peer_packages=canonical_text([m.to_dict() for m in sorted(
                            messages, key=lambda m: m.sender)]),
                        transcript_digest=digest, encrypted_shares=canonical_text(encrypted),
                        sealed_state=sealed.sealed, data_key_ref=sealed.data_key_ref,
                        at=decision.now)
    shred_after(decision, [old_ref])
    return {"group_id": group.group_id, "identifier": group.identifier,
            "transcript_digest": digest.hex(), "messages": encrypted}


@handles("FinishThresholdDkg")
def finish_threshold_dkg(decision: Decision) -> dict[str, Any]:
    """Open the shares addressed to this seat, check them, seal the signing share."""
    ledger = decision.ledger
    in_domain(decision)
    group = group_in_chain(decision)
    group.require_stage("round2", "finish the key generation")
    parsed = parse_messages(decision.args["round2_messages"], EncryptedShare.from_dict,
                    "round2_messages")
    session = group_session_id(group.group_id)
    mine = []
    for index, message in enumerate(parsed):
        if message.header.session_id != session:
            raise InvalidInput("a share of another group", field=f"round2_messages[{index}]")
        if message.recipient == group.identifier:
            mine.append(message)
    peers = {m["package"]["sender"]: bytes.fromhex(m["transport_public_key"])
             for m in json.loads(group.peer_packages)}
    state = open_state(ledger.material, group.group_id, "dkg2", group.sealed_state,
                       group.state_ref)
    own_state = DkgRound2Secret.from_dict(state["round2"])
    transport = bytearray(bytes.fromhex(state["transport_key"]))
    shares = []
    try:
        for message in mine:
            if message.sender not in peers:
                raise InvalidInput(f"a share from {message.sender}, who is not a peer",
                                   field="round2_messages")
            try:
                shares.append(decrypt_share(message, transport, peers[message.sender]))
            except CryptoError:
                raise CommandRejected(f"participant {message.sender} cheated: its share "
                                      "does not open under its transport key",
                                      field="round2_messages", reason_code=CHEATING) from None
        key_share, package = named(lambda: dkg_part3(own_state, shares), "round2_messages")
    finally:
        zeroize(transport)
        own_state.zeroize()
        for share in shares:
            share.zeroize()
    try:
        sealed = seal_state(ledger.material, group.group_id, "share", key_share.to_dict())
    finally:
        key_share.zeroize()
    old_ref = group.state_ref
    package_text = canonical_text(package.to_dict())
    group.record_key(actor_id=actor_of(decision),
                     received_shares=canonical_text([m.to_dict() for m in sorted(
                         mine, key=lambda m: m.sender)]),
                     group_public_key=package.group_public_key,
                     public_key_package=package_text, sealed_share=sealed.sealed,
                     data_key_ref=sealed.data_key_ref, at=decision.now)
    key_id = record_group_key(decision, group)
    shred_after(decision, [old_ref, *retire_replaced(decision, group)])
    return group_key_row(group, key_id)


# --- signing ------------------------------------------------------------------------------

def _key_share(decision: Decision, group: ThresholdGroup) -> KeyShare:
    return KeyShare.from_dict(open_state(decision.ledger.material, group.group_id, "share",
                                         group.sealed_share, group.share_ref))


def _package(group: ThresholdGroup) -> PublicKeyPackage:
    return PublicKeyPackage.from_dict(json.loads(group.public_key_package))


@handles("CommitThresholdSigning")
def commit_threshold_signing(decision: Decision) -> dict[str, Any]:
    """FROST round 1: fresh nonces, sealed under their own data key; commitments out."""
    in_domain(decision)
    group = group_in_chain(decision)
    group.check_can_sign()
    check_group_key(decision, group)
    if group.suite not in NONCE_SUITES:
        raise InvalidInput(f"{group.suite} signs without round 1 commitments",
                           field="group_id")
    session_id = decision.args["session_id"]
    if session_id in group.sessions:
        raise CommandRejected(f"this participant already committed in session {session_id}",
                              field="session_id", reason_code="exists")
    if group.suite == MUSIG_SUITE:
        return musig_commit(decision, group, session_id)
    key_share = _key_share(decision, group)
    try:
        nonces = frost.commit(key_share)
    finally:
        key_share.zeroize()
    commitments = nonces.commitments
    try:
        sealed = seal_state(decision.ledger.material, group.group_id,
                            f"nonces/{session_id}", nonces.to_dict())
    finally:
        nonces.zeroize()
    message = CommitmentMessage(group.group_id, session_id, commitments).to_dict()
    group.record_commitment(actor_id=actor_of(decision), session_id=session_id,
                            commitments=canonical_text(message), sealed_nonces=sealed.sealed,
                            data_key_ref=sealed.data_key_ref, at=decision.now)
    return {"group_id": group.group_id, "session_id": session_id,
            "identifier": group.identifier, "message": message}


def _signing_package(group: ThresholdGroup, session_id: str, message: bytes,
                     raw: Sequence[Any]) -> SigningPackage:
    parsed = parse_messages(raw, CommitmentMessage.from_dict, "commitments")
    for index, item in enumerate(parsed):
        same_group(group, item.group_id, f"commitments[{index}]")
        if item.session_id != session_id:
            raise InvalidInput(f"a commitment of session {item.session_id}",
                               field=f"commitments[{index}]")
    if len(parsed) < group.threshold:
        raise CommandRejected(f"{len(parsed)} signer(s) committed, the group needs "
                              f"{group.threshold}", field="commitments",
                              reason_code="below-threshold")
    ordered = sorted(parsed, key=lambda c: c.identifier)
    suite = ciphersuite_by_name(group.suite)
    try:
        return SigningPackage(suite, message, tuple(c.commitments for c in ordered))
    except InvalidInput as bad:
        raise InvalidInput(bad.message, field="commitments") from None


@handles("SignThresholdShare")
def sign_threshold_share(decision: Decision) -> dict[str, Any]:
    """FROST round 2 (consumes the session's nonces) or a BLS partial signature."""
    in_domain(decision)
    group = group_in_chain(decision)
    group.check_can_sign()
    check_group_key(decision, group)
    session_id = decision.args["session_id"]
    message = signed_message(decision)
    digest = bytes.fromhex(decision.args["message_digest"])
    if group.suite == MUSIG_SUITE:
        return musig_share(decision, group, session_id, message, digest)
    only_messages(decision, group)
    share: SignatureShare | bls.PartialSignature
    transcript = frost.SessionTranscript(b"", b"")
    if group.suite in FROST_SUITES:
        session = fresh_session(group, session_id)
        package = _signing_package(group, session_id, message, decision.args["commitments"])
        signers = package.signers
        if group.identifier not in signers:
            raise InvalidInput("this participant is not in the signing set",
                               field="commitments")
        mine = package.commitment_of(group.identifier).to_dict()
        recorded = json.loads(session["commitments"])["commitments"]
        if not hmac.compare_digest(canonical_text(mine), canonical_text(recorded)):
            raise InvalidInput("the commitments carry another commitment in this "
                               "participant's name", field="commitments")
        nonces = frost.SigningNonces.from_dict(open_state(
            decision.ledger.material, group.group_id, f"nonces/{session_id}",
            session["sealed_nonces"], session["data_key_ref"]))
        key_share = _key_share(decision, group)
        try:
            share = frost.sign(key_share, nonces, package)
        finally:
            key_share.zeroize()
            nonces.zeroize()
        transcript = frost.session_transcript(group.group_public_key, package)
        signing = canonical_text([c.to_dict() for c in package.commitments])
        shred_after(decision, [session["data_key_ref"]])
    else:
        if decision.args["commitments"]:
            raise InvalidInput("BLS signing takes no commitments", field="commitments")
        if session_id in group.sessions:
            raise CommandRejected(f"this participant already signed in session {session_id}",
                                  field="session_id", reason_code="exists")
        key_share = _key_share(decision, group)
        try:
            share = bls.partial_sign(key_share, message)
        finally:
            key_share.zeroize()
        signers, signing = [group.identifier], "[]"
    document = ShareMessage(group.group_id, session_id, share).to_dict()
    group.record_share(actor_id=actor_of(decision), session_id=session_id,
                       message_digest=digest, signers=list(signers), signing_package=signing,
                       signature_share=canonical_text(document), at=decision.now,
                       message_hash=transcript.message_hash, challenge=transcript.challenge)
    return {"group_id": group.group_id, "session_id": session_id,
            "identifier": group.identifier, "message": document}


@handles("AggregateThresholdSignature")
def aggregate_threshold_signature(decision: Decision) -> dict[str, Any]:
    """Verify every share against its signer's verifying share, then combine."""
    in_domain(decision)
    group = group_in_chain(decision)
    group.check_can_sign()
    check_group_key(decision, group)
    session_id = decision.args["session_id"]
    message = signed_message(decision)
    digest = bytes.fromhex(decision.args["message_digest"])
    if group.suite == MUSIG_SUITE:
        return musig_aggregate(decision, group, session_id, message, digest)
    only_messages(decision, group)
    shares = parse_messages(decision.args["shares"], ShareMessage.from_dict, "shares")
    for index, item in enumerate(shares):
        same_group(group, item.group_id, f"shares[{index}]")
        if item.session_id != session_id:
            raise InvalidInput(f"a share of session {item.session_id}",
                               field=f"shares[{index}]")
    package = _package(group)
    transcript, commitments = frost.SessionTranscript(b"", b""), ""
    if group.suite in FROST_SUITES:
        signing = _signing_package(group, session_id, message, decision.args["commitments"])
        frost_shares = [s.share for s in shares if isinstance(s.share, SignatureShare)]
        if len(frost_shares) != len(shares):
            raise InvalidInput("FROST groups combine FROST signature shares", field="shares")
        signature = named(lambda: frost.aggregate(package, signing, frost_shares), "shares")
        signers = signing.signers
        transcript = frost.session_transcript(package.group_public_key, signing)
        commitments = canonical_text([c.to_dict() for c in signing.commitments])
    else:
        partials = [s.share for s in shares if isinstance(s.share, bls.PartialSignature)]
        if len(partials) != len(shares):
            raise InvalidInput("BLS groups combine BLS partial signatures", field="shares")
        if len(partials) < group.threshold:
            raise CommandRejected(f"{len(partials)} partial signature(s), the group needs "
                                  f"{group.threshold}", field="shares",
                                  reason_code="below-threshold")
        signature = named(lambda: bls.combine(package, message, partials), "shares")
        signers = sorted(p.identifier for p in partials)
    group.record_signature(actor_id=actor_of(decision), session_id=session_id,
                           message_digest=digest, signers=list(signers),
                           signature_shares=canonical_text([s.to_dict() for s in sorted(
                               shares, key=lambda s: s.identifier)]),
                           signature=signature, at=decision.now, signing_package=commitments,
                           message_hash=transcript.message_hash,
                           challenge=transcript.challenge)
    return {"group_id": group.group_id, "session_id": session_id, "suite": group.suite,
            "signers": list(signers), "signature": signature.hex(),
            "group_public_key": group.group_public_key.hex(), "psbt": None}
