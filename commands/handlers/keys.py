"""Handlers: creating keys and moving them through their lifecycle (NIST SP 800-57)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commands.handlers.escrow_copies import escrow_version
from commands.handlers.lookups import key_in_chain
from commands.handlers.registry import handles
from ledger.application import Decision, Ledger
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto.algorithms import profile
from ledger.domain.key import DEFAULT_POLICY, Key
from ledger.errors import CommandRejected, InvalidInput
from ledger.hsm.keystore import check_token_key, token_fields

POLICY_FIELDS = ("rotation_period_days", "destruction_wait_days", "allowed_signers",
                 "max_signatures_per_day")


def policy_of(args: Mapping[str, Any], base: Mapping[str, Any], given: Mapping[str, Any]
              ) -> dict[str, Any]:
    """``base`` with the policy fields the command names (``given``: the signed args, so
    that an absent field keeps its old value while an explicit null clears a limit)."""
    policy = dict(base)
    for name in POLICY_FIELDS:
        if name in given:
            policy[name] = args.get(name)
    if policy.get("allowed_signers") is None:
        policy["allowed_signers"] = []
    return policy


def status(key: Key) -> dict[str, Any]:
    return {"key_id": key.key_id, "state": key.state.value, "version": key.current_version,
            "destroy_after": key.destroy_after, "destroyed_at": key.destroyed_at}


def refuse_unseeded_in_fips(ledger: Ledger, algorithm: str) -> None:
    """FIPS mode generates keys only from the health-tested entropy source: refuse, rather
    than pretend, for a scheme whose library draws its own randomness (RSA, SLH-DSA:
    docs/algorithms.md). A key on the token is the token's RNG; an import generates
    nothing."""
    assert ledger.meta is not None
    if ledger.meta.fips_mode and not profile(algorithm).seeded_keygen:
        raise CommandRejected(
            f"{algorithm} key generation cannot draw from the health-tested entropy source "
            "(its library takes no seed), so this FIPS-mode ledger does not generate it",
            field="algorithm", reason_code="fips-unseeded",
            hint="generate it on the HSM (--backend pkcs11, RSA not yet), import it "
                 "(skms key import), or choose ecdsa-p256 / ml-dsa-65")


@handles("CreateKey")
def create_key(decision: Decision) -> dict[str, Any]:
    ledger, command, args = decision.ledger, decision.command, decision.args
    if command.chain_id == SYSTEM_CHAIN:
        raise InvalidInput("keys live in key domains, not the system chain", field="domain")
    algorithm = profile(args["algorithm"])  # a signature scheme or another key kind
    assert ledger.meta is not None
    if ledger.meta.fips_mode and not algorithm.fips_approved:
        raise CommandRejected(f"{algorithm.algorithm} is not FIPS-approved and this ledger "
                              "runs in FIPS mode", field="algorithm", reason_code="fips")
    on_token = args.get("backend", "software") == "pkcs11"
    if not on_token:
        refuse_unseeded_in_fips(ledger, algorithm.algorithm)
    usage = sorted(set(args.get("usage") or algorithm.default_usage))
    if not set(usage) <= algorithm.usages:
        raise InvalidInput(f"a {algorithm.algorithm} key may only have usages "
                           f"{sorted(algorithm.usages)}", field="usage")
    policy = policy_of(args, DEFAULT_POLICY, command.args)
    if on_token:
        check_token_key(algorithm.algorithm, usage)
        for custody in ("exportable", "escrow"):  # a token key never leaves the token
            if args.get(custody):
                raise InvalidInput("a key on the HSM cannot be exported or escrowed",
                                   field=custody)
    agent = (ledger.state.escrow_agent(args["escrow"], field="escrow") if args.get("escrow")
             else None)
    key_id = ledger.new_id()
    if on_token:
        material, record = ledger.material.generate_on_token(algorithm.algorithm, str(key_id), 1)
    else:
        material = ledger.material.generate(algorithm.algorithm, str(key_id), 1)
    key = Key.create(Key.Generated, aggregate_id=key_id, at=decision.now, key_id=str(key_id),
                     domain=command.chain_id, label=args.get("label"),
                     algorithm=algorithm.algorithm, usage=usage, version=1,
                     public_key=material.public_key, sealed_material=material.sealed_material,
                     data_key_ref=material.data_key_ref, policy=policy)
    if on_token:
        key.hold_on_token(1, token_fields(record), at=decision.now)
    if args["exportable"]:
        key.record_provenance(origin="generated", exportable=True, import_token_id=None,
                              at=decision.now)
    if agent is not None:
        escrow_version(decision, key, 1, agent)
    if args["activate"]:
        key.activate(at=decision.now)
    decision.touch(key)
    return {"key_id": key.key_id, "algorithm": key.algorithm, "domain": key.domain,
            "state": key.state.value, "version": key.current_version}


@handles("ActivateKey")
def activate_key(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    key.activate(at=decision.now)
    return status(key)


@handles("RotateKey")
def rotate_key(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    key.check_can_rotate()  # before any material is made
    version = key.current_version + 1
    on_token = key.held_on_token()  # a key on an HSM stays there
    if on_token:
        material, record = decision.ledger.material.generate_on_token(key.algorithm,
                                                                      key.key_id, version)
    else:
        refuse_unseeded_in_fips(decision.ledger, key.algorithm)
        material = decision.ledger.material.generate(key.algorithm, key.key_id, version)
    key.rotate(public_key=material.public_key, sealed_material=material.sealed_material,
               data_key_ref=material.data_key_ref, at=decision.now)
    if on_token:
        key.hold_on_token(version, token_fields(record), at=decision.now)
    for agent_id in key.escrow_agents():  # an escrowed key stays escrowed
        escrow_version(decision, key, version, decision.ledger.state.escrow_agent(agent_id))
    return status(key)


@handles("SuspendKey")
def suspend_key(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    key.suspend(decision.args["reason"], at=decision.now)
    return status(key)


@handles("ReactivateKey")
def reactivate_key(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    key.reactivate(decision.args["reason"], at=decision.now)
    return status(key)


@handles("CompromiseKey")
def compromise_key(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    when = decision.args.get("compromise_time", decision.now)
    key.compromise(decision.args["reason"], when, at=decision.now)
    return status(key)


@handles("RevokeKey")
def revoke_key(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    key.deactivate(decision.args["reason"], at=decision.now)
    return status(key)


@handles("DestroyKey")
def destroy_key(decision: Decision) -> dict[str, Any]:
    """Schedule destruction; destroy at once if the waiting period is over (or zero). The
    data keys are shredded only once the KeyDestroyed event is durable."""
    key = key_in_chain(decision)
    if key.destroy_after is None and decision.now < key.schedule_destruction(decision.now):
        return status(key)
    refs = key.destroy(decision.now)
    material = decision.ledger.material
    versions = list(key.versions.values())
    decision.after_commit.append(lambda: material.shred(refs))
    if any("hsm" in version for version in versions):
        # The token objects go once KeyDestroyed is durable, like the data keys.
        decision.after_commit.append(
            lambda: material.destroy_on_token(key.algorithm, versions))
    return status(key)


@handles("CancelDestruction")
def cancel_destruction(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    key.cancel_destruction(decision.args["reason"], at=decision.now)
    return status(key)


@handles("ChangeKeyPolicy")
def change_key_policy(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    policy = policy_of(decision.args, key.policy, decision.command.args)
    if policy != key.policy:
        key.change_policy(policy, at=decision.now)
    key.set_version_floors(decision.args.get("min_decrypt_version"),
                           decision.args.get("min_verify_version"), at=decision.now)
    if not key.pending_events:
        raise InvalidInput("the new policy equals the current one", field="policy")
    return {"key_id": key.key_id, "policy": {
        **policy, "min_decrypt_version": key.min_decrypt_version,
        "min_verify_version": key.min_verify_version}}
