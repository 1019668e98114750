"""Handlers: MuSig2 (BIP-327) n-of-n groups of ledger secp256k1 keys, possibly on many ledgers.

A MuSig2 seat is a :class:`~ledger.domain.threshold_group.ThresholdGroup` of suite
``musig2-secp256k1`` whose secret is an ordinary ledger key (``ecdsa-secp256k1``): the
seat records the key it signs with, never a copy of it. ``AggregateMusigKey`` takes the
seat; the three signing commands of every threshold group (``CommitThresholdSigning``,
``SignThresholdShare``, ``AggregateThresholdSignature``) call the functions here for such a
seat, so a MuSig2 session has the FROST session's shape and events:

1. Commit: ``NonceGen`` with the key's secret, the group key and the session as extra
   input; the 97-byte ``secnonce`` is sealed under its own data key, the ``pubnonce`` is
   the public message.
2. Share: only with the session's committed, unused nonce (a second share is a recorded
   ``nonce-reuse`` refusal; a nonce list carrying another nonce in this seat's name, e.g.
   one replayed from an older session, is a recorded ``nonce-replay`` refusal). The nonce
   is opened, consumed by ``Sign`` (which zeroes it first), and its data key is shredded
   once the share's event commits.
3. Aggregate: every partial signature verified (``PartialSigVerifyInternal``; bad ones are
   named in a recorded ``invalid-signature-share`` refusal), summed, and the result checked
   as a BIP-340 signature under the group key by libsecp256k1.

``message_kind=psbt``: the input is a PSBT and the message signed is the BIP-341 key-path
sighash of its one input paying the group's (taproot-tweaked) output key, computed by this
ledger itself; the aggregate step returns the PSBT carrying the signature.
"""

from __future__ import annotations

import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

import coincurve

from commands.handlers.chains import check_chain_policy
from commands.handlers.lookups import key_in_chain
from commands.handlers.registry import handles
from commands.handlers.threshold_support import (
    actor_of,
    fresh_session,
    group_key_row,
    in_domain,
    named,
    parse_messages,
    same_group,
    shred_after,
)
from ledger.application import Decision
from ledger.chains import declared
from ledger.chains.bitcoin.keypath import (
    KeyPathInput,
    key_path_input,
    with_key_path_signature,
)
from ledger.chains.bitcoin.psbt import Psbt
from ledger.chains.bitcoin.signer import psbt_transfers
from ledger.chains.bitcoin.taproot import tap_tweak, x_only
from ledger.chains.facts import ChainFacts
from ledger.crypto.memory import zeroize
from ledger.crypto.threshold import musig2
from ledger.crypto.threshold.errors import InvalidSignatureShare
from ledger.crypto.threshold.musig_rounds import (
    MusigKeyPackage,
    MusigNonceMessage,
    MusigPartialSignature,
    musig_group_id,
)
from ledger.crypto.threshold.rounds import ShareMessage, canonical_text, check_group_id
from ledger.domain.key import Key
from ledger.domain.threshold_group import MUSIG_SUITE, ThresholdGroup
from ledger.errors import CommandRejected, InvalidInput
from ledger.recipes.threshold_material import open_state, seal_state

__all__ = ["musig_aggregate", "musig_commit", "musig_share"]

T = TypeVar("T")
SECP256K1_KEYS = "ecdsa-secp256k1"
NONCE_REPLAY = "nonce-replay"


def _compressed(public_key: bytes, field: str) -> bytes:
    try:
        return bytes(coincurve.PublicKey(bytes(public_key)).format(compressed=True))
    except ValueError:
        raise InvalidInput("not a secp256k1 public key", field=field) from None


def _given_keys(raw: list[str]) -> list[bytes]:
    keys = []
    for index, text in enumerate(raw):
        keys.append(_compressed(bytes.fromhex(text), f"public_keys[{index}]"))
    return keys


@handles("AggregateMusigKey")
def aggregate_musig_key(decision: Decision) -> dict[str, Any]:
    """Take a seat: aggregate the participants' keys (this ledger's among them), tweak."""
    ledger, args = decision.ledger, decision.args
    domain = in_domain(decision)
    key = key_in_chain(decision)
    key.check_can_sign(actor_of(decision), decision.now)
    if key.algorithm != SECP256K1_KEYS:
        raise InvalidInput(f"MuSig2 aggregates {SECP256K1_KEYS} keys; key {key.key_id} is "
                           f"{key.algorithm}", field="key_id")
    version = key.current_version
    own = _compressed(key.versions[version]["public_key"], "key_id")
    keys = _given_keys(args["public_keys"])
    if own not in keys:
        keys.append(own)
    untweaked = MusigKeyPackage.build(keys, [])
    tweaks: list[bytes] = []
    if args.get("taproot", True):
        merkle_root = args.get("merkle_root")
        tweaks.append(tap_tweak(x_only(untweaked.internal_key),
                                bytes.fromhex(merkle_root) if merkle_root else None))
    elif args.get("merkle_root"):
        raise InvalidInput("a script-tree root is a taproot tweak: leave taproot on",
                           field="merkle_root")
    package = MusigKeyPackage.build(keys, tweaks)
    given = args.get("group_id")
    group_id = check_group_id(given) if given else musig_group_id(package)
    if group_id in ledger.state.threshold_groups:
        raise CommandRejected(f"this ledger already holds a seat in group {group_id}",
                              field="group_id", reason_code="exists")
    group = ThresholdGroup.create(
        ThresholdGroup.MusigKeyAggregated, aggregate_id=uuid.UUID(group_id), at=decision.now,
        group_id=group_id, domain=domain, suite=MUSIG_SUITE, label=args.get("label"),
        threshold=package.participants, participants=package.participants,
        identifier=package.identifier_of(own), key_id=key.key_id, key_version=version,
        public_key=own, public_keys=list(package.public_keys),
        internal_key=package.internal_key, tweaks=list(package.tweaks),
        group_public_key=package.group_public_key,
        public_key_package=canonical_text(package.to_dict()), actor_id=actor_of(decision))
    decision.touch(group)
    return group_key_row(group)


# --- signing (called by the threshold signing handlers for a MuSig2 seat) -------------------

def _package(group: ThresholdGroup) -> MusigKeyPackage:
    return MusigKeyPackage.from_dict(json.loads(group.public_key_package))


def _seat_key(decision: Decision, group: ThresholdGroup) -> tuple[Key, dict[str, Any]]:
    """The ledger key the seat signs with, allowed for this actor now, still that key."""
    assert group.key_id is not None
    key = decision.ledger.key(group.key_id)
    if key.domain != group.domain:
        raise CommandRejected(f"key {key.key_id} left domain {group.domain!r}",
                              field="group_id", reason_code="wrong-chain")
    decision.touch(key)
    key.check_can_sign(actor_of(decision), decision.now)
    record = key.versions[group.key_version]
    public = _package(group).public_keys[group.identifier - 1]
    if _compressed(record["public_key"], "group_id") != public:
        raise CommandRejected("the seat's key version no longer holds its public key",
                              field="group_id", reason_code="key-mismatch")
    return key, record


def musig_commit(decision: Decision, group: ThresholdGroup, session_id: str
                 ) -> dict[str, Any]:
    """Round 1: a fresh nonce (requirement 1 of the module doc), sealed; its pubnonce out."""
    package = _package(group)
    key, record = _seat_key(decision, group)
    own = package.public_keys[group.identifier - 1]
    extra = f"{group.group_id}:{session_id}".encode()
    secnonce, pubnonce = decision.ledger.material.use(
        key.key_id, group.key_version, record,
        lambda secret: musig2.nonce_gen(secret, own, package.group_public_key,
                                        extra_in=extra))
    try:
        sealed = seal_state(decision.ledger.material, group.group_id, f"nonces/{session_id}",
                            {"secnonce": secnonce.hex()})
    finally:
        zeroize(secnonce)
    message = MusigNonceMessage(group.group_id, session_id, group.identifier, own,
                                pubnonce).to_dict()
    group.record_commitment(actor_id=actor_of(decision), session_id=session_id,
                            commitments=canonical_text(message), sealed_nonces=sealed.sealed,
                            data_key_ref=sealed.data_key_ref, at=decision.now)
    return {"group_id": group.group_id, "session_id": session_id,
            "identifier": group.identifier, "message": message}


@dataclass(frozen=True, slots=True)
class _Target:
    """What the session signs: the message itself, or a PSBT input's key-path sighash."""

    message: bytes
    psbt: Psbt | None
    spend: KeyPathInput | None

    def record(self) -> dict[str, Any]:
        if self.spend is None:
            return {"message_kind": "message", "signed_message": None}
        return {"message_kind": "psbt", "signed_message": self.spend.digest.hex(),
                "input": self.spend.index, "sighash_type": self.spend.hash_type,
                "txid": self.spend.txid}


def _target(decision: Decision, group: ThresholdGroup, message: bytes) -> _Target:
    if (decision.args.get("message_kind") or "message") == "message":
        return _Target(message, None, None)
    try:
        psbt = declared.read_psbt(message)
        spend = key_path_input(psbt, group.group_public_key)
    except InvalidInput as bad:
        raise InvalidInput(f"the PSBT: {bad.message}", field="message") from None
    return _Target(spend.digest, psbt, spend)


def _everybody(by_signer: dict[int, T], package: MusigKeyPackage, what: str,
               field: str) -> list[T]:
    """One value per signer in key order: MuSig2 is n-of-n, fewer is a recorded refusal."""
    if len(by_signer) < package.participants:
        raise CommandRejected(f"{len(by_signer)} {what}; MuSig2 needs all "
                              f"{package.participants} signers", field=field,
                              reason_code="below-threshold")
    return [by_signer[i] for i in range(1, package.participants + 1)]


def _nonces(group: ThresholdGroup, package: MusigKeyPackage, session_id: str,
            raw: list[Any]) -> list[MusigNonceMessage]:
    """Every signer's pubnonce for the session, in key order (n-of-n: all of them)."""
    parsed = parse_messages(raw, MusigNonceMessage.from_dict, "commitments")
    by_signer: dict[int, MusigNonceMessage] = {}
    for index, item in enumerate(parsed):
        where = f"commitments[{index}]"
        same_group(group, item.group_id, where)
        if item.session_id != session_id:
            raise InvalidInput(f"a nonce of session {item.session_id}", field=where)
        if item.identifier > package.participants or \
                package.public_keys[item.identifier - 1] != item.public_key:
            raise InvalidInput(f"signer {item.identifier}'s key is not the group's key at "
                               "that position", field=where)
        if item.identifier in by_signer:
            raise InvalidInput(f"two nonces of signer {item.identifier}", field=where)
        by_signer[item.identifier] = item
    return _everybody(by_signer, package, "nonce(s)", "commitments")


def _session(package: MusigKeyPackage, nonces: list[MusigNonceMessage],
             message: bytes) -> musig2.SessionContext:
    aggnonce = musig2.nonce_agg([n.pubnonce for n in nonces])
    return musig2.SessionContext(aggnonce, package.public_keys, package.tweaks,
                                 (True,) * len(package.tweaks), message)


def _check_seat_policy(decision: Decision, key: Key, group: ThresholdGroup,
                       target: _Target) -> None:
    """The seat key's own chain policy holds for the PSBT it co-signs, as for SignPsbt:
    every output but the change back to the group's output key is a recipient."""
    assert target.psbt is not None and target.spend is not None
    own = {bytes([0x51, 0x20]) + group.group_public_key}  # OP_1 <x-only output key>
    facts = ChainFacts(family="bitcoin", network=decision.args["network"], chain_id=None,
                       kind="psbt", signer=group.group_public_key.hex(),
                       tx_hash=target.spend.txid, digests=(target.spend.digest.hex(),),
                       transfers=psbt_transfers(target.psbt, decision.args["network"], own))
    check_chain_policy(key, facts)


def musig_share(decision: Decision, group: ThresholdGroup, session_id: str, message: bytes,
                digest: bytes) -> dict[str, Any]:
    """Round 2: this seat's partial signature; the session's nonce consumed (requirement 2)."""
    session = fresh_session(group, session_id)
    package = _package(group)
    target = _target(decision, group, message)
    nonces = _nonces(group, package, session_id, decision.args["commitments"])
    mine = canonical_text(nonces[group.identifier - 1].to_dict())
    if not hmac.compare_digest(mine.encode(), session["commitments"].encode()):
        raise CommandRejected("the nonces carry another public nonce in this participant's "
                              "name (replayed or substituted): refused", field="commitments",
                              reason_code=NONCE_REPLAY)
    context = _session(package, nonces, target.message)
    key, record = _seat_key(decision, group)
    if target.psbt is not None and target.spend is not None:
        _check_seat_policy(decision, key, group, target)
    state = open_state(decision.ledger.material, group.group_id, f"nonces/{session_id}",
                       session["sealed_nonces"], session["data_key_ref"])
    secnonce = bytearray(bytes.fromhex(state.pop("secnonce")))
    try:
        partial = decision.ledger.material.use(
            key.key_id, group.key_version, record,
            lambda secret: musig2.sign(secnonce, secret, context))
    finally:
        zeroize(secnonce)
    shred_after(decision, [session["data_key_ref"]])
    document = ShareMessage(group.group_id, session_id,
                            MusigPartialSignature(group.identifier, partial)).to_dict()
    signing = canonical_text({"pubnonces": [n.to_dict() for n in nonces], **target.record()})
    group.record_share(actor_id=actor_of(decision), session_id=session_id,
                       message_digest=digest, signers=list(range(1, package.participants + 1)),
                       signing_package=signing, signature_share=canonical_text(document),
                       at=decision.now)
    return {"group_id": group.group_id, "session_id": session_id,
            "identifier": group.identifier, "message": document}


def _partials(group: ThresholdGroup, package: MusigKeyPackage, session_id: str,
              raw: list[Any]) -> list[MusigPartialSignature]:
    shares = parse_messages(raw, ShareMessage.from_dict, "shares")
    by_signer: dict[int, MusigPartialSignature] = {}
    for index, item in enumerate(shares):
        where = f"shares[{index}]"
        same_group(group, item.group_id, where)
        if item.session_id != session_id:
            raise InvalidInput(f"a share of session {item.session_id}", field=where)
        if not isinstance(item.share, MusigPartialSignature):
            raise InvalidInput("MuSig2 groups combine MuSig2 partial signatures", field=where)
        if item.identifier > package.participants or item.identifier in by_signer:
            raise InvalidInput(f"signer {item.identifier} is not in the group or sent two "
                               "partial signatures", field=where)
        by_signer[item.identifier] = item.share
    return _everybody(by_signer, package, "partial signature(s)", "shares")


def _combine(package: MusigKeyPackage, nonces: list[MusigNonceMessage],
             partials: list[MusigPartialSignature], context: musig2.SessionContext) -> bytes:
    """Every partial signature checked (the bad ones named), then summed and verified."""
    bad = []
    for nonce, partial in zip(nonces, partials, strict=True):
        try:
            musig2.partial_sig_verify_internal(partial.partial_signature, nonce.pubnonce,
                                               nonce.public_key, context, partial.identifier)
        except InvalidSignatureShare:
            bad.append(partial.identifier)
    if bad:
        raise InvalidSignatureShare(bad)
    signature = musig2.partial_sig_agg([p.partial_signature for p in partials], context)
    musig2.verify_bip340(package.group_public_key, context.msg, signature)
    return signature


def musig_aggregate(decision: Decision, group: ThresholdGroup, session_id: str,
                    message: bytes, digest: bytes) -> dict[str, Any]:
    """Aggregation (requirement 3); for a PSBT, the PSBT carrying the key-path signature."""
    package = _package(group)
    target = _target(decision, group, message)
    nonces = _nonces(group, package, session_id, decision.args["commitments"])
    partials = _partials(group, package, session_id, decision.args["shares"])
    context = _session(package, nonces, target.message)
    signature = named(lambda: _combine(package, nonces, partials, context), "shares")
    signed_psbt = None
    if target.psbt is not None and target.spend is not None:
        signed_psbt = with_key_path_signature(target.psbt, target.spend,
                                              package.group_public_key, signature).to_base64()
    signers = list(range(1, package.participants + 1))
    group.record_signature(actor_id=actor_of(decision), session_id=session_id,
                           message_digest=digest, signers=signers,
                           signature_shares=canonical_text([
                               ShareMessage(group.group_id, session_id, p).to_dict()
                               for p in partials]),
                           signature=signature, at=decision.now)
    return {"group_id": group.group_id, "session_id": session_id, "suite": group.suite,
            "signers": signers, "signature": signature.hex(),
            "group_public_key": group.group_public_key.hex(), "psbt": signed_psbt}
