"""What every threshold handler does alike: find the seat, name a cheating participant,
parse the other participants' messages, shred a consumed stage after commit.

Why a module of its own: the FROST/BLS handlers (:mod:`commands.handlers.threshold`) and
the MuSig2 ones (:mod:`commands.handlers.musig`) act on the same seats with the same rules
(domain chain only, no FIPS mode, a bad contribution is a recorded refusal naming its
sender, a reused nonce is a recorded refusal), so the rules live once, here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from commands.handlers.lookups import matching_digest
from ledger.application import Decision
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto.threshold.errors import CheatingParticipant, InvalidSignatureShare
from ledger.domain.key import DEFAULT_POLICY, Key, KeyState
from ledger.domain.threshold_group import MUSIG_SUITE, ThresholdGroup, group_key_id
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput, Unauthorized

T = TypeVar("T")
CHEATING = "cheating-participant"
BAD_SHARE = "invalid-signature-share"
NONCE_REUSE = "nonce-reuse"


def in_domain(decision: Decision) -> str:
    """The command's key domain: never the system chain, never in FIPS mode."""
    ledger, chain = decision.ledger, decision.command.chain_id
    if chain == SYSTEM_CHAIN:
        raise InvalidInput("threshold groups live in key domains, not the system chain",
                           field="domain")
    assert ledger.meta is not None
    if ledger.meta.fips_mode:
        raise CommandRejected("threshold signatures (FROST, threshold BLS, MuSig2) are not "
                              "FIPS-approved and this ledger runs in FIPS mode",
                              reason_code="fips")
    return chain


def group_in_chain(decision: Decision) -> ThresholdGroup:
    """The command's seat, touched; refused when it belongs to another domain."""
    group = decision.ledger.threshold_group(decision.args["group_id"])
    if group.domain != decision.command.chain_id:
        raise CommandRejected(f"group {group.group_id} belongs to domain {group.domain!r}, "
                              f"not {decision.command.chain_id!r}", field="chain_id",
                              reason_code="wrong-chain")
    decision.touch(group)
    return group


def actor_of(decision: Decision) -> str:
    return decision.command.actor_id


def named(call: Callable[[], T], field: str) -> T:
    """Run a step whose failure is another participant's fault: a recorded refusal
    naming it (identifiable abort)."""
    try:
        return call()
    except CheatingParticipant as cheat:
        raise CommandRejected(f"participant {cheat.identifier} cheated: {cheat.message}",
                              field=field, reason_code=CHEATING,
                              hint="exclude this participant and run the key generation "
                                   "again without it") from None
    except InvalidSignatureShare as bad:
        listed = ", ".join(map(str, bad.identifiers))
        raise CommandRejected(f"the signature share of participant(s) {listed} does not "
                              "verify", field=field, reason_code=BAD_SHARE,
                              hint="exclude the named participant(s) and sign again "
                                   "without them") from None


def parse_messages(items: Sequence[Any], parse: Callable[[object], T], field: str) -> list[T]:
    """Each message parsed strictly; an item that is a list (a file holding several
    messages, as ``--out`` writes round 2) counts as its messages."""
    flat = [m for item in items for m in (item if isinstance(item, list) else [item])]
    parsed = []
    for index, item in enumerate(flat):
        try:
            parsed.append(parse(item))
        except InvalidInput as bad:
            raise InvalidInput(f"message {index + 1}: {bad.message}",
                               field=f"{field}[{index}]") from None
    return parsed


def same_group(group: ThresholdGroup, found: str, field: str) -> None:
    if found != group.group_id:
        raise InvalidInput(f"a message of group {found}, not {group.group_id}", field=field)


def shred_after(decision: Decision, refs: Sequence[str]) -> None:
    material, kept = decision.ledger.material, [r for r in refs if r]
    decision.after_commit.append(lambda: material.shred(kept))


def signed_message(decision: Decision) -> bytes:
    """The message input, checked against the digest the actor signed."""
    message = bytes(decision.inputs["message"])
    matching_digest(decision, "message_digest", message)
    return message


def fresh_session(group: ThresholdGroup, session_id: str) -> dict[str, Any]:
    """The session's committed nonces, unused: a second share in it is a recorded refusal
    (a security event: a reused Schnorr nonce reveals the secret)."""
    session = group.sessions.get(session_id)
    if session is not None and session["used"]:
        raise CommandRejected(f"the nonces of session {session_id} were already used: a "
                              "second share is refused (nonce reuse)", field="session_id",
                              reason_code=NONCE_REUSE,
                              hint="start a new session: commit fresh nonces")
    return group.unused_session(session_id)


def only_messages(decision: Decision, group: ThresholdGroup) -> None:
    """FROST and BLS sign the message itself: a PSBT's sighash is BIP-340's (MuSig2)."""
    if (decision.args.get("message_kind") or "message") != "message":
        raise InvalidInput(f"a {group.suite} group signs messages; PSBT key-path signing "
                           "takes a MuSig2 (BIP-340) group", field="message_kind")


def group_key_row(group: ThresholdGroup, key_id: str | None = None) -> dict[str, Any]:
    """The public facts of an active seat (what FinishThresholdDkg returns)."""
    return {"group_id": group.group_id, "key_id": key_id, "suite": group.suite,
            "threshold": group.threshold,
            "participants": group.participants, "identifier": group.identifier,
            "group_public_key": group.group_public_key.hex(),
            "public_key_package": json.loads(group.public_key_package),
            "transcript_digest": group.transcript_digest.hex(), "replaces": group.replaces}


def retire_replaced(decision: Decision, group: ThresholdGroup) -> list[str]:
    """A new key that replaces an active group retires it (its share's data key is
    returned, to shred after commit): the DKG's finish and a dealt share's acceptance."""
    if not group.replaces:
        return []
    old = decision.ledger.threshold_group(group.replaces)
    if old.stage != "active":
        return []
    decision.touch(old)
    old.retire(actor_id=actor_of(decision), replaced_by=group.group_id, at=decision.now)
    key = group_key(decision, old)
    if key is not None and key.state in (KeyState.ACTIVE, KeyState.SUSPENDED):
        decision.touch(key)  # verifies what it signed; signs no more
        key.deactivate(f"threshold group {old.group_id} was replaced by {group.group_id}",
                       at=decision.now)
    return [old.share_ref]


# --- the group key as a ledger key ---------------------------------------------------------

GROUP_KEY_POLICY = {**DEFAULT_POLICY, "rotation_period_days": 0}
"""A group key has no rotation period of its own: it rotates by a new DKG, which no
scheduler can start for the seats (0: never reported overdue)."""


def group_key(decision: Decision, group: ThresholdGroup) -> Key | None:
    """The ledger key that is this seat's group key (None: a MuSig2 seat, a dealer's record
    or a seat that became active before group keys were ledger keys)."""
    return decision.ledger.keys.get(group_key_id(group.group_id))


def record_group_key(decision: Decision, group: ThresholdGroup) -> str:
    """The seat just became active: record its group key as a ledger key of the suite's
    kind (public key only, no material) and activate it; returns the key id."""
    assert group.suite != MUSIG_SUITE and group.identifier > 0
    key_id = group_key_id(group.group_id)
    key = Key.create(Key.Generated, aggregate_id=uuid.UUID(key_id), at=decision.now,
                     key_id=key_id, domain=group.domain, label=group.label,
                     algorithm=group.suite, usage=["sign", "verify"], version=1,
                     public_key=group.group_public_key, sealed_material=b"",
                     data_key_ref="", policy=dict(GROUP_KEY_POLICY))
    key.hold_by_threshold_group(group_id=group.group_id, suite=group.suite,
                                threshold=group.threshold, participants=group.participants,
                                identifier=group.identifier, actor_id=actor_of(decision),
                                at=decision.now)
    key.activate(at=decision.now)
    decision.touch(key)
    return key_id


def check_group_key(decision: Decision, group: ThresholdGroup) -> None:
    """A seat signs only while its group key is active, and only for the key's allowed
    signers (its policy), as any key: suspending, revoking or destroying the key on this
    ledger stops this seat's signing."""
    key = group_key(decision, group)
    if key is None:
        return
    if key.state is not KeyState.ACTIVE:
        raise IllegalTransition(f"the group key {key.key_id} of group {group.group_id} is "
                                f"{key.state.value}: this seat signs only while it is active",
                                reason_code="illegal-transition",
                                hint="skms key show " + key.key_id)
    allowed = key.policy.get("allowed_signers") or []
    actor = actor_of(decision)
    if allowed and actor not in allowed:
        raise Unauthorized(f"actor {actor} is not an allowed signer of group key "
                           f"{key.key_id}", reason_code="policy")
