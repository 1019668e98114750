"""Handlers: load the aggregate a command names, check it, call one aggregate method.

The ledger (``ledger.application.Ledger.submit``) has already checked the actor's
signature, freshness and role before a handler runs; a handler adds the checks that need
the aggregate (domain, state, policy) and lets the aggregate decide. Raising a
``CommandRejected`` subclass refuses the command (and the ledger records the refusal).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ledger.application import Decision, Ledger, Outcome, check_chain_id
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import SignedCommand
from ledger.crypto.algorithms import profile
from ledger.domain.actor import Actor, check_actor_name, check_roles
from ledger.domain.key import DEFAULT_POLICY, USAGES, Key
from ledger.domain.ledger_meta import LedgerMeta
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput
from ledger.key_material import generate_sealed, sign_many_with, sign_with

Handler = Callable[[Decision], Any]


# --- argument helpers ---------------------------------------------------------------------

def _str(args: dict[str, Any], name: str, *, default: str | None = None, limit: int = 500) -> str:
    value = args.get(name, default)
    if not isinstance(value, str) or not value:
        raise InvalidInput("required text is missing", field=name)
    if len(value) > limit:
        raise InvalidInput(f"longer than {limit} characters", field=name)
    return value


def _hex(args: dict[str, Any], name: str, size: int | None = None) -> bytes:
    value = _str(args, name, limit=4096)
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise InvalidInput("not hexadecimal", field=name) from None
    if size is not None and len(raw) != size:
        raise InvalidInput(f"must be {size} bytes", field=name)
    return raw


def _str_list(args: dict[str, Any], name: str, default: list[str]) -> list[str]:
    value = args.get(name, default)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput("must be a list of non-empty strings", field=name)
    return list(value)


def _key_in_chain(decision: Decision) -> Key:
    key = decision.ledger.key(_str(decision.command.args, "key_id"))
    if key.domain != decision.command.chain_id:
        raise CommandRejected(f"key {key.key_id} belongs to domain {key.domain!r}, not "
                              f"{decision.command.chain_id!r}", field="chain_id",
                              reason_code="wrong-chain")
    decision.touch(key)
    return key


def parse_policy(args: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Validate policy fields present in ``args`` over ``base``."""
    policy = dict(base)
    for name in ("rotation_period_days", "destruction_wait_days"):
        if name in args:
            value = args[name]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3650:
                raise InvalidInput("must be a whole number of days from 0 to 3650", field=name)
            policy[name] = value
    if "allowed_signers" in args:
        policy["allowed_signers"] = _str_list(args, "allowed_signers", [])
    if "max_signatures_per_day" in args:
        value = args["max_signatures_per_day"]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 1):
            raise InvalidInput("must be a positive whole number or null",
                               field="max_signatures_per_day")
        policy["max_signatures_per_day"] = value
    return policy


# --- ledger and actors --------------------------------------------------------------------

def initialize_ledger(decision: Decision) -> str:
    args = decision.command.args
    ledger_id = _str(args, "ledger_id")
    meta = LedgerMeta._create(
        LedgerMeta.Initialized, id=uuid.UUID(ledger_id), ledger_id=ledger_id,
        ledger_name=_str(args, "ledger_name"),
        ledger_public_key=_hex(args, "ledger_public_key", 32),
        origin=_str(args, "origin"), fips_mode=bool(args.get("fips_mode", False)),
        checkpoint_every_events=int(args.get("checkpoint_every_events", 64)),
        checkpoint_every_seconds=int(args.get("checkpoint_every_seconds", 60)),
        kek_provider=_str(args, "kek_provider"))
    decision.touch(meta)
    return ledger_id


def register_actor(decision: Decision) -> str:
    ledger, command = decision.ledger, decision.command
    args = command.args
    if command.actor_id == "ledger" and ledger.actors:
        raise CommandRejected("the ledger identity registers only the first admin",
                              reason_code="bootstrap-only")
    name = _str(args, "name", limit=100)
    if any(a.name.casefold() == name.casefold() for a in ledger.actors.values()):
        raise CommandRejected(f"an actor named {name!r} already exists (names are compared "
                              "without regard to case)", field="name", reason_code="duplicate")
    check_actor_name(name)
    roles = check_roles(_str_list(args, "roles", []))
    if command.actor_id == "ledger" and "admin" not in roles:
        raise CommandRejected("the bootstrap actor must be an admin", reason_code="bootstrap-only")
    public_key = _hex(args, "public_key", 32)
    if any(hmac.compare_digest(a.public_key, public_key) for a in ledger.actors.values()) or (
            ledger.meta is not None
            and hmac.compare_digest(ledger.meta.ledger_public_key, public_key)):
        raise CommandRejected("this public key already identifies another actor (or the "
                              "ledger); every actor needs a key of its own", field="public_key",
                              reason_code="duplicate-key")
    domains = _str_list(args, "domains", ["*"])
    for domain in domains:
        if domain != "*":
            check_chain_id(domain)
    actor = Actor._create(Actor.Registered, id=ledger.new_id(), actor_id="", name=name,
                          public_key=public_key, roles=roles, domains=domains)
    # The actor id is the aggregate id; the payload repeats it for readers of the event alone.
    actor = _with_actor_id(actor)
    decision.touch(actor)
    return actor.actor_id


def _with_actor_id(actor: Actor) -> Actor:
    pending = actor.pending_events[0]
    object.__setattr__(pending, "actor_id", str(actor.id))
    return actor


def change_actor_roles(decision: Decision) -> list[str]:
    actor = decision.ledger.actor(_str(decision.command.args, "actor_id"))
    actor.change_roles(_str_list(decision.command.args, "roles", []))
    decision.touch(actor)
    return actor.roles


def revoke_actor(decision: Decision) -> None:
    actor = decision.ledger.actor(_str(decision.command.args, "actor_id"))
    if actor.actor_id == decision.command.actor_id:
        raise CommandRejected("an actor cannot revoke itself", reason_code="self-revoke")
    actor.revoke(_str(decision.command.args, "reason", default="revoked"))
    decision.touch(actor)


# --- keys ---------------------------------------------------------------------------------

def create_key(decision: Decision) -> str:
    ledger, command = decision.ledger, decision.command
    args = command.args
    if command.chain_id == SYSTEM_CHAIN:
        raise InvalidInput("keys live in key domains, not the system chain", field="domain")
    algorithm = profile(_str(args, "algorithm", limit=64))  # signature scheme or key kind
    assert ledger.meta is not None
    if ledger.meta.fips_mode and not algorithm.fips_approved:
        raise CommandRejected(f"{algorithm.algorithm} is not FIPS-approved and this ledger "
                              "runs in FIPS mode", field="algorithm", reason_code="fips")
    usage = _str_list(args, "usage", list(algorithm.default_usage))
    if not set(usage) <= USAGES:
        raise InvalidInput(f"usage must be among {sorted(USAGES)}", field="usage")
    if not set(usage) <= algorithm.usages:
        raise InvalidInput(f"a {algorithm.algorithm} key may only have usages "
                           f"{sorted(algorithm.usages)}", field="usage")
    label = args.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > 200):
        raise InvalidInput("must be text of at most 200 characters", field="label")
    policy = parse_policy(args, DEFAULT_POLICY)
    key_id = ledger.new_id()
    material = generate_sealed(algorithm.algorithm, str(key_id), 1, ledger.kek, ledger.keyring)
    key = Key._create(Key.Generated, id=key_id, key_id=str(key_id), domain=command.chain_id,
                      label=label, algorithm=algorithm.algorithm, usage=sorted(set(usage)),
                      version=1, public_key=material.public_key,
                      sealed_material=material.sealed_material,
                      data_key_ref=material.data_key_ref, policy=policy)
    if args.get("activate", True):
        key.activate()
    decision.touch(key)
    return key.key_id


def activate_key(decision: Decision) -> None:
    _key_in_chain(decision).activate()


def rotate_key(decision: Decision) -> int:
    key = _key_in_chain(decision)
    if key.state.value != "active":
        key.rotate(public_key=b"", sealed_material=b"", data_key_ref="")  # raises: not active
    version = key.current_version + 1
    material = generate_sealed(key.algorithm, key.key_id, version, decision.ledger.kek,
                               decision.ledger.keyring)
    return key.rotate(public_key=material.public_key, sealed_material=material.sealed_material,
                      data_key_ref=material.data_key_ref)


def suspend_key(decision: Decision) -> None:
    _key_in_chain(decision).suspend(_str(decision.command.args, "reason", default="suspended"))


def reactivate_key(decision: Decision) -> None:
    _key_in_chain(decision).reactivate(
        _str(decision.command.args, "reason", default="reactivated"))


def compromise_key(decision: Decision) -> None:
    args = decision.command.args
    when = args.get("compromise_time", decision.now)
    if not isinstance(when, int) or isinstance(when, bool) or when < 0:
        raise InvalidInput("must be microseconds since the epoch", field="compromise_time")
    _key_in_chain(decision).compromise(_str(args, "reason", default="compromised"), when)


def revoke_key(decision: Decision) -> None:
    _key_in_chain(decision).deactivate(_str(decision.command.args, "reason", default="revoked"))


def destroy_key(decision: Decision) -> dict[str, Any]:
    """Schedule destruction; destroy at once if the waiting period is over (or zero)."""
    key = _key_in_chain(decision)
    scheduled = key.destroy_after
    if scheduled is None:
        scheduled = key.schedule_destruction(decision.now)
        if decision.now < scheduled:
            return {"state": key.state.value, "destroy_after": scheduled}
    refs = key.destroy(decision.now)
    keyring = decision.ledger.keyring

    def shred() -> None:
        for ref in refs:
            keyring.shred(ref)

    decision.after_commit.append(shred)
    return {"state": key.state.value, "shredded_refs": refs}


def cancel_destruction(decision: Decision) -> None:
    _key_in_chain(decision).cancel_destruction(
        _str(decision.command.args, "reason", default="cancelled"))


def change_key_policy(decision: Decision) -> dict[str, Any]:
    key = _key_in_chain(decision)
    policy = parse_policy(dict(decision.command.args), key.policy)
    if policy == key.policy:
        raise InvalidInput("the new policy equals the current one", field="policy")
    key.change_policy(policy)
    return policy


def sign(decision: Decision, message: bytes) -> bytes:
    """Sign ``message``; the actor signed only its digest, which must match."""
    args = decision.command.args
    claimed = _hex(args, "message_digest", 32)
    if not hmac.compare_digest(hashlib.sha256(message).digest(), claimed):
        raise InvalidInput("the message does not match the signed message_digest",
                           field="message_digest")
    key = _key_in_chain(decision)
    key.check_can_sign(decision.command.actor_id, decision.now)
    version = key.versions[key.current_version]
    signature = sign_with(key.algorithm, key.key_id, key.current_version,
                          version["sealed_material"], version["data_key_ref"],
                          decision.ledger.kek, decision.ledger.keyring, message)
    key.record_signature(actor_id=decision.command.actor_id, message_digest=claimed,
                         signature_digest=hashlib.sha256(signature).digest())
    return signature


MAX_BATCH = 1000


def sign_batch(decision: Decision, messages: list[bytes]) -> list[bytes]:
    """Sign many messages under one signed command; one event lists every digest."""
    args = decision.command.args
    digests = args.get("message_digests")
    if not isinstance(digests, list) or not 1 <= len(digests) <= MAX_BATCH:
        raise InvalidInput(f"must be a list of 1 to {MAX_BATCH} hex digests",
                           field="message_digests")
    if len(digests) != len(messages):
        raise InvalidInput("one message per digest is required", field="messages")
    claimed = [_hex({"d": d}, "d", 32) for d in digests]
    for index, (digest, message) in enumerate(zip(claimed, messages, strict=True)):
        if not hmac.compare_digest(hashlib.sha256(message).digest(), digest):
            raise InvalidInput(f"message {index} does not match its signed digest",
                               field=f"message_digests[{index}]")
    key = _key_in_chain(decision)
    key.check_can_sign(decision.command.actor_id, decision.now, len(messages))
    version = key.versions[key.current_version]
    signatures = sign_many_with(key.algorithm, key.key_id, key.current_version,
                                version["sealed_material"], version["data_key_ref"],
                                decision.ledger.kek, decision.ledger.keyring, messages)
    key.record_signature_batch(actor_id=decision.command.actor_id, message_digests=claimed,
                               signature_digests=[hashlib.sha256(s).digest() for s in signatures])
    return signatures


HANDLERS: dict[str, Handler] = {
    "InitializeLedger": initialize_ledger,
    "RegisterActor": register_actor,
    "ChangeActorRoles": change_actor_roles,
    "RevokeActor": revoke_actor,
    "CreateKey": create_key,
    "ActivateKey": activate_key,
    "RotateKey": rotate_key,
    "SuspendKey": suspend_key,
    "ReactivateKey": reactivate_key,
    "CompromiseKey": compromise_key,
    "RevokeKey": revoke_key,
    "DestroyKey": destroy_key,
    "CancelDestruction": cancel_destruction,
    "ChangeKeyPolicy": change_key_policy,
}


SIGNING_COMMANDS = frozenset({"Sign", "SignBatch"})


def signing_decision(signed: SignedCommand, message: bytes | None,
                     messages: list[bytes] | None) -> Callable[[Decision], Any]:
    """The decision of a Sign or SignBatch command over its message(s).

    Shared by :func:`execute` and the service, which decides signing commands on its event
    loop (:meth:`ledger.application.Ledger.begin`) and waits for their commit elsewhere.
    """
    command_type = signed.command.command_type
    if command_type == "Sign":
        if message is None:
            raise InvalidInput("a Sign command needs the message", field="message")
        return lambda decision: sign(decision, message)
    if command_type == "SignBatch":
        if messages is None:
            raise InvalidInput("a SignBatch command needs its messages", field="messages")
        batch = list(messages)
        return lambda decision: sign_batch(decision, batch)
    raise InvalidInput(f"{command_type!r} is not a signing command", field="command.type")


def execute(ledger: Ledger, signed: SignedCommand, *, message: bytes | None = None,
            messages: list[bytes] | None = None,
            inputs: Mapping[str, bytes] | None = None) -> Outcome[Any]:
    """Run one signed command through its handler and the ledger.

    ``inputs`` carries the data of data commands (plaintext, ciphertext, aad, ...), which
    never goes into the signed, stored command itself.
    """
    command_type = signed.command.command_type
    from commands.crypto_handlers import DATA_COMMANDS, execute_data  # imports this module

    if command_type in DATA_COMMANDS:
        return execute_data(ledger, signed, inputs)
    from commands.wallet_handlers import WALLET_COMMANDS, execute_wallet  # imports this module

    if command_type in WALLET_COMMANDS:
        return execute_wallet(ledger, signed, inputs)
    if command_type in SIGNING_COMMANDS:
        return ledger.submit(signed, signing_decision(signed, message, messages))
    if command_type == "RequestCheckpoint":
        return _request_checkpoint(ledger, signed)
    handler = HANDLERS.get(command_type)
    if handler is None:
        raise InvalidInput(f"unknown command type {command_type!r}", field="command.type")
    return ledger.submit(signed, handler)


def _request_checkpoint(ledger: Ledger, signed: SignedCommand) -> Outcome[Any]:
    """On-demand checkpoint: authorized like any command, recorded as CheckpointPublished."""
    checkpoint = ledger.request_checkpoint(signed)
    chain_id = signed.command.chain_id
    return Outcome(chain_id, [ledger.chain(chain_id).next_seq - 1],
                   {"size": checkpoint.size, "note": checkpoint.note})


__all__ = ["HANDLERS", "IllegalTransition", "execute"]
