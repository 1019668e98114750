"""Handlers: bring your own key (import tokens, wrapped import) and wrapped export.

The wrapping recipe is :mod:`ledger.recipes.byok`; these handlers decide and record. An
import token's wrapping private key is sealed like key material (its data key in the
key-ring), so the token's event holds nothing usable from the log alone, and the key-ring
entry is shredded once the token is spent.
"""

from __future__ import annotations

from typing import Any

from commands.handlers.keys import policy_of
from commands.handlers.lookups import key_in_chain, matching_digest, sha256
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto.algorithms import profile
from ledger.crypto.memory import zeroize
from ledger.domain.custody import ImportToken
from ledger.domain.key import DEFAULT_POLICY, Key
from ledger.errors import CommandRejected, InvalidInput
from ledger.recipes import byok
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
