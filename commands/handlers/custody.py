"""Handlers: bring your own key (import tokens, wrapped import), wrapped export, escrow.

The recipes are :mod:`ledger.recipes.byok` and :mod:`ledger.recipes.escrow`; these
handlers decide and record. An import token's wrapping private key is sealed like key
material (its data key in the key-ring), so the token's event holds nothing usable from
the log alone, and the key-ring entry is shredded once the token is spent. Escrow copies
are sealed twice (to the agent, then under a ledger data key), so destroying the key
shreds them too.
"""

from __future__ import annotations

from typing import Any

from commands.handlers.escrow_copies import agent_key
from commands.handlers.keys import policy_of
from commands.handlers.lookups import key_in_chain, matching_digest, sha256
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto.algorithms import profile
from ledger.crypto.memory import zeroize
from ledger.domain.custody import EscrowAgent, ImportToken
from ledger.domain.key import DEFAULT_POLICY, Key
from ledger.errors import CommandRejected, InvalidInput
from ledger.recipes import byok, custody_keys, escrow
from ledger.recipes.key_material import data_key_ref, material_aad

MICROS_PER_HOUR = 3_600_000_000


def _check_fips(decision: Decision, algorithm: str) -> None:
    meta = decision.ledger.meta
    if meta is not None and meta.fips_mode and not profile(algorithm).fips_approved:
        raise CommandRejected(f"{algorithm} is not FIPS-approved and this ledger runs in "
                              "FIPS mode", field="algorithm", reason_code="fips")


@handles("GetImportParameters")
def get_import_parameters(decision: Decision) -> dict[str, Any]:
    command, args = decision.command, decision.args
    if command.chain_id == SYSTEM_CHAIN:
        raise InvalidInput("keys live in key domains, not the system chain", field="domain")
    _check_fips(decision, args["algorithm"])
    byok.check_importable(args["algorithm"])
    token_id = decision.ledger.new_id()
    ref = f"import/{token_id}"
    wrapping = byok.new_wrapping_key()
    try:
        sealed = decision.ledger.material.seal_secret(wrapping.private_der, ref,
                                                      byok.wrapping_aad(str(token_id)))
    finally:
        zeroize(wrapping.private_der)
    expires_at = decision.now + args["valid_hours"] * MICROS_PER_HOUR
    token = ImportToken.create(
        ImportToken.Issued, aggregate_id=token_id, at=decision.now, token_id=str(token_id),
        domain=command.chain_id, algorithm=args["algorithm"],
        wrapping_public_key=wrapping.public_der, sealed_wrapping_key=sealed,
        wrapping_key_ref=ref, expires_at=expires_at, actor_id=command.actor_id)
    decision.touch(token)
    return {"token": token.token_id, "algorithm": token.algorithm, "domain": token.domain,
            "wrapping_algorithm": byok.WRAPPING_ALGORITHM,
            "wrapping_public_key": byok.public_pem(wrapping.public_der),
            "expires_at": expires_at}


@handles("ImportKey")
def import_key(decision: Decision) -> dict[str, Any]:
    ledger, command, args = decision.ledger, decision.command, decision.args
    token = ledger.state.import_token(args["token"])
    if token.domain != command.chain_id:
        raise CommandRejected(f"import token {token.token_id} is for domain "
                              f"{token.domain!r}, not {command.chain_id!r}",
                              field="chain_id", reason_code="wrong-chain")
    token.check_usable(None, decision.now)
    wrapped = decision.inputs["wrapped"]
    matching_digest(decision, "wrapped_digest", wrapped)
    algorithm = profile(token.algorithm)
    _check_fips(decision, algorithm.algorithm)
    usage = sorted(set(args.get("usage") or algorithm.default_usage))
    if not set(usage) <= algorithm.usages:
        raise InvalidInput(f"a {algorithm.algorithm} key may only have usages "
                           f"{sorted(algorithm.usages)}", field="usage")
    material = ledger.material
    wrapping_key = material.open_secret(token.sealed_wrapping_key, token.wrapping_key_ref,
                                        byok.wrapping_aad(token.token_id))
    try:
        unwrapped = byok.unwrap(wrapping_key, bytes(wrapped))
    finally:
        zeroize(wrapping_key)
    native = bytearray()
    key_id = ledger.new_id()
    try:
        native, public_key = byok.to_native(algorithm.algorithm, unwrapped)
        ref = data_key_ref(str(key_id), 1)
        sealed = material.seal_secret(native, ref, material_aad(str(key_id), 1))
    finally:
        zeroize(unwrapped)
        zeroize(native)
    key = Key.create(Key.Generated, aggregate_id=key_id, at=decision.now, key_id=str(key_id),
                     domain=command.chain_id, label=args.get("label"),
                     algorithm=algorithm.algorithm, usage=usage, version=1,
                     public_key=public_key, sealed_material=sealed, data_key_ref=ref,
                     policy=policy_of(args, DEFAULT_POLICY, command.args))
    key.record_provenance(origin="external", exportable=args["exportable"],
                          import_token_id=token.token_id, at=decision.now)
    if args["activate"]:
        key.activate(at=decision.now)
    token.redeem(key_id=key.key_id, actor_id=command.actor_id, at=decision.now)
    decision.touch(key)
    decision.touch(token)
    spent = token.wrapping_key_ref
    decision.after_commit.append(lambda: material.shred([spent]))
    return {"key_id": key.key_id, "algorithm": key.algorithm, "domain": key.domain,
            "state": key.state.value, "version": key.current_version}


@handles("ExportKey")
def export_key(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    version = key.check_can_export(decision.args.get("key_version"))
    public_key = bytes(decision.inputs["wrapping_public_key"])
    matching_digest(decision, "wrapping_key_digest", public_key)
    recipient = byok.load_recipient(public_key)

    def wrap(secret: bytearray) -> bytes:
        encoded = byok.to_export(key.algorithm, secret)
        try:
            return byok.wrap(recipient, encoded)
        finally:
            zeroize(encoded)

    wrapped = decision.ledger.material.use(key.key_id, version, key.versions[version], wrap)
    fmt = byok.export_format(key.algorithm)
    key.record_export(key_version=version, material_format=fmt,
                      wrapping_key_digest=sha256(public_key), wrapped_digest=sha256(wrapped),
                      actor_id=decision.command.actor_id, at=decision.now)
    return {"key_id": key.key_id, "key_version": version, "algorithm": key.algorithm,
            "material_format": fmt, "wrapping_algorithm": byok.WRAPPING_ALGORITHM,
            "wrapped": wrapped}


# --- escrow ---------------------------------------------------------------------------------

@handles("RegisterEscrowAgent")
def register_escrow_agent(decision: Decision) -> dict[str, Any]:
    state = decision.ledger.state
    public = custody_keys.parse_public(decision.args["agent_key"], field="agent_key")
    if public.kem != custody_keys.HYBRID:
        raise InvalidInput("escrow agents use the hybrid ML-KEM-768+X25519 KEM",
                           field="agent_key")
    if any(a.name == public.name for a in state.escrow_agents.values()):
        raise InvalidInput(f"an escrow agent named {public.name!r} exists", field="agent_key")
    agent_id = decision.ledger.new_id()
    agent = EscrowAgent.create(EscrowAgent.Registered, aggregate_id=agent_id,
                               at=decision.now, agent_id=str(agent_id), name=public.name,
                               kem=public.kem, public_key=public.public_key,
                               actor_id=decision.command.actor_id)
    decision.touch(agent)
    return {"agent_id": agent.agent_id, "name": agent.name, "kem": agent.kem,
            "public_key_digest": public.digest.hex()}


@handles("ReleaseEscrow")
def release_escrow(decision: Decision) -> dict[str, Any]:
    ledger, args = decision.ledger, decision.args
    key = key_in_chain(decision)
    named = args.get("agent")
    wanted = ledger.state.escrow_agent(named, field="agent").agent_id if named else None
    agent_id, versions = key.check_can_release_escrow(wanted)
    agent = ledger.state.escrow_agent(agent_id)
    blobs = [(v, key.versions[v]["public_key"],
              escrow.open_copy(ledger.material, key_id=key.key_id, version=v,
                               entry=key.escrow[v])) for v in versions]
    assert ledger.meta is not None
    package = escrow.make_package(
        ledger_id=str(ledger.state.ledger_id), ledger_public_key=ledger.meta.ledger_public_key,
        key_id=key.key_id, algorithm=key.algorithm, agent_id=agent_id,
        agent=agent_key(agent), versions=blobs, reason=args["reason"],
        released_at=decision.now, released_by=decision.command.actor_id,
        sign=ledger.ledger_signature)
    digest = escrow.package_digest(package)
    key.record_escrow_release(agent_id=agent_id, versions=versions, package_digest=digest,
                              reason=args["reason"], actor_id=decision.command.actor_id,
                              at=decision.now)
    return {"key_id": key.key_id, "agent_id": agent_id, "versions": versions,
            "package_digest": digest.hex(), "package": package}
