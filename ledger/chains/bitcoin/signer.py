"""The BIP-174 Signer role: add this ledger key's signatures to every input it can sign.

Requirements:

1. An input is this key's when its script pays to it: the key's HASH160 for P2PKH/P2WPKH
   (also nested in P2SH), the key among a multisig script's keys (each key adds its partial
   signature; the finalizer needs ``m`` of them), or, for P2TR, an output key equal to the
   BIP-341 tweak of the key's x-only form (with ``PSBT_IN_TAP_MERKLE_ROOT`` if present; a
   ``PSBT_IN_TAP_INTERNAL_KEY`` must then be that key). BIP-32 derivation and taproot key-
   origin fields are how a wallet finds which key to derive (:func:`wanted_origins`); an
   input whose derivation names this key but whose script does not pay it is refused.
2. Fail closed: an inconsistent PSBT, missing UTXO data on an input that names this key, a
   sighash type outside ``allowed_sighash`` (policy; SIGHASH_DEFAULT and ALL by default), or
   a taproot input without every input's UTXO, raises :class:`InvalidInput` naming the input
   and the reason, and nothing is signed. Inputs of other signers are skipped with a reason.
3. ECDSA: RFC 6979, low ``s``, strict DER plus the sighash byte (BIP-174's signer vector
   comes out byte for byte). Schnorr: BIP-340 with fresh ``aux_rand`` from ``rng`` over the
   BIP-341 sighash, with the tweaked key; 64 bytes for SIGHASH_DEFAULT, else 65. Every
   signature is verified against the public key before it is added.
4. The result carries the public facts (txid when it cannot change, recipients and values
   except outputs paying this signer's keys, fee) and, per signed input, the digest signed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import coincurve

from ledger.chains.bitcoin.addresses import address_from_script, network, output_script
from ledger.chains.bitcoin.encoding import hash160
from ledger.chains.bitcoin.inputs import (
    InputPlan,
    UnsupportedInput,
    plan_input,
    sighash,
    spent_outputs,
)
from ledger.chains.bitcoin.psbt import KeyOrigin, Psbt, PsbtInput
from ledger.chains.bitcoin.sighash import (
    SIGHASH_ALL,
    SIGHASH_DEFAULT,
    SIGHASH_NAMES,
    TAPROOT_SIGHASH_TYPES,
    taproot_hashes,
)
from ledger.chains.bitcoin.taproot import output_key, tweak_private_key, x_only
from ledger.chains.facts import ChainFacts, Transfer
from ledger.chains.keys import PrivateKey, private_key_buffer
from ledger.crypto.ecdsa_secp256k1 import sign_digest_der, verify_digest_der
from ledger.crypto.entropy import random_bytes
from ledger.crypto.hd import Node
from ledger.crypto.memory import zeroize
from ledger.crypto.schnorr_bip340 import sign_with_aux_rand
from ledger.errors import CommandRejected, CryptoError, InvalidInput

__all__ = [
    "DEFAULT_ALLOWED_SIGHASH",
    "PsbtSignature",
    "SignedInput",
    "SigningKey",
    "input_hash_type",
    "psbt_transfers",
    "sign_psbt",
    "wanted_origins",
]

DEFAULT_ALLOWED_SIGHASH = frozenset({SIGHASH_DEFAULT, SIGHASH_ALL})
"""Sign only for hash types that commit to every input and output."""


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class SigningKey:
    """One private key the signer may use, with its BIP-32 origin when known.

    ``private_key`` is the caller's buffer (a ledger key version or a wallet node's key); the
    caller zeroes it. ``repr`` shows only public facts; equality is identity, so no secret
    is ever compared byte by byte.
    """

    private_key: bytearray
    public_key: bytes
    origin: KeyOrigin | None = None

    @classmethod
    def from_private(cls, key: PrivateKey, origin: KeyOrigin | None = None) -> SigningKey:
        secret = private_key_buffer(key, "secp256k1")
        try:
            public = coincurve.PrivateKey(bytes(secret)).public_key.format(compressed=True)
        except ValueError:
            raise InvalidInput("secp256k1 private key is out of range",
                               field="private_key") from None
        return cls(secret, public, origin)

    @classmethod
    def from_node(cls, node: Node, master_fingerprint: bytes) -> SigningKey:
        return cls.from_private(node, KeyOrigin.from_text(master_fingerprint, node.path))

    @property
    def x_only(self) -> bytes:
        return x_only(self.public_key)

    def __repr__(self) -> str:
        return f"SigningKey({self.public_key.hex()})"


@dataclass(frozen=True, slots=True)
class SignedInput:
    index: int
    script_type: str
    public_key: str
    sighash_type: int
    digest: str
    amount: int

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "script_type": self.script_type,
                "public_key": self.public_key, "sighash": SIGHASH_NAMES[self.sighash_type],
                "digest": self.digest, "amount": str(self.amount)}


@dataclass(frozen=True, slots=True)
class PsbtSignature:
    psbt: Psbt
    signed_inputs: tuple[SignedInput, ...]
    skipped: tuple[tuple[int, str], ...]
    facts: ChainFacts

    def to_dict(self) -> dict[str, Any]:
        return {"psbt": self.psbt.to_base64(),
                "signed_inputs": [s.to_dict() for s in self.signed_inputs],
                "skipped": [{"index": i, "reason": r} for i, r in self.skipped],
                "facts": self.facts.to_dict()}


def wanted_origins(psbt: Psbt, master_fingerprint: bytes) -> list[KeyOrigin]:
    """Key origins under ``master_fingerprint`` that the PSBT's inputs ask for.

    A wallet derives exactly these nodes (and no others) and hands them to :func:`sign_psbt`.
    """
    wanted: list[KeyOrigin] = []
    for entry in psbt.inputs:
        origins = list(entry.bip32_derivations.values()) + \
            [t.origin for t in entry.tap_bip32_derivations.values()]
        for origin in origins:
            if origin.fingerprint == master_fingerprint and origin not in wanted:
                wanted.append(origin)
    return wanted


def _names_key(entry: PsbtInput, key: SigningKey) -> bool:
    """Whether the input's derivation fields claim this key (by public key or by origin)."""
    if key.public_key in entry.bip32_derivations or key.x_only in entry.tap_bip32_derivations:
        return True
    if entry.tap_internal_key == key.x_only:
        return True
    if key.origin is not None:
        origins = list(entry.bip32_derivations.values()) + \
            [t.origin for t in entry.tap_bip32_derivations.values()]
        return key.origin in origins
    return False


def _pays_to(plan: InputPlan, entry: PsbtInput, key: SigningKey, index: int) -> bool:
    if plan.key_hash is not None:
        return hash160(key.public_key) == plan.key_hash
    if plan.is_taproot:
        if output_key(key.x_only, entry.tap_merkle_root) != plan.output_key:
            return False
        if entry.tap_internal_key is not None and entry.tap_internal_key != key.x_only:
            raise InvalidInput("PSBT_IN_TAP_INTERNAL_KEY is not the key the output commits to",
                               field=f"psbt.inputs[{index}]")
        return True
    return key.public_key in plan.keys


def _visibly_pays(psbt: Psbt, index: int, keys: Sequence[SigningKey]) -> bool:
    """Whether the input's known output script is a single-key script of one of ``keys``."""
    spent = psbt.spent_output(index)
    return spent is not None and spent.script_pubkey in _own_scripts(k.public_key for k in keys)


def input_hash_type(entry: PsbtInput, plan: InputPlan, allowed: frozenset[int],
                    index: int) -> int:
    """The input's sighash type (its PSBT field, else the default), refused unless valid
    for the input's kind and allowed by policy."""
    where = f"psbt.inputs[{index}].PSBT_IN_SIGHASH_TYPE"
    if entry.sighash_type is None:  # BIP-174: ALL, or DEFAULT for taproot; policy applies too
        hash_type = SIGHASH_DEFAULT if plan.is_taproot else SIGHASH_ALL
    else:
        hash_type = entry.sighash_type
    valid = TAPROOT_SIGHASH_TYPES if plan.is_taproot else TAPROOT_SIGHASH_TYPES - {0}
    if hash_type not in valid:
        raise InvalidInput(f"sighash type {hash_type:#x} is not valid for a {plan.kind} input",
                           field=where)
    if hash_type not in allowed:
        names = ", ".join(SIGHASH_NAMES[h] for h in sorted(allowed))
        raise CommandRejected(f"input {index} asks for sighash type "
                              f"{SIGHASH_NAMES[hash_type]}, which this key's policy does not "
                              f"allow (allowed: {names})", field=where,
                              reason_code="sighash-policy")
    return hash_type


def _sign_ecdsa(key: SigningKey, digest: bytes, hash_type: int) -> bytes:
    der = sign_digest_der(key.private_key, digest)
    verify_digest_der(key.public_key, digest, der)
    return der + bytes([hash_type])


def _sign_taproot(key: SigningKey, digest: bytes, hash_type: int, merkle_root: bytes | None,
                  output: bytes, rng: Callable[[int], bytearray]) -> bytes:
    tweaked = tweak_private_key(key.private_key, merkle_root)
    aux = rng(32)
    try:
        signature = sign_with_aux_rand(tweaked, digest, bytes(aux))
    finally:
        zeroize(tweaked)
        zeroize(aux)
    if not coincurve.PublicKeyXOnly(output).verify(signature, digest):
        raise CryptoError("taproot signature does not verify")  # pragma: no cover - fault check
    return signature if hash_type == SIGHASH_DEFAULT else signature + bytes([hash_type])


def _own_scripts(public_keys: Iterable[bytes]) -> set[bytes]:
    scripts = set()
    for public in public_keys:
        for kind in ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"):
            scripts.add(output_script(public, kind))
    return scripts


def psbt_transfers(psbt: Psbt, network_name: str, own_scripts: set[bytes]
                   ) -> tuple[Transfer, ...]:
    """What a PSBT pays away: every output but those to ``own_scripts`` (change), named by
    address (or ``script:HEX`` when the script has none): what a chain policy checks."""
    return tuple(
        Transfer(address_from_script(out.script_pubkey, network_name)
                 or "script:" + out.script_pubkey.hex(), out.value, "BTC")
        for out in psbt.tx.outputs if out.script_pubkey not in own_scripts)


def _facts(psbt: Psbt, network_name: str, keys: Sequence[SigningKey],
           own_public_keys: Sequence[bytes], digests: list[str],
           plans: dict[int, InputPlan]) -> ChainFacts:
    own = _own_scripts([k.public_key for k in keys] + list(own_public_keys))
    transfers = psbt_transfers(psbt, network_name, own)
    spent = spent_outputs(psbt)
    fee = None if spent is None else sum(o.value for o in spent) - \
        sum(o.value for o in psbt.tx.outputs)
    txid_fixed = len(plans) == len(psbt.inputs) and all(
        p.is_taproot or p.kind in ("p2wpkh", "p2wsh") for p in plans.values())
    return ChainFacts(family="bitcoin", network=network_name, chain_id=None, kind="psbt",
                      signer=",".join(k.public_key.hex() for k in keys),
                      tx_hash=psbt.tx.txid_hex() if txid_fixed else None,
                      digests=tuple(digests), transfers=transfers, fee=fee)


def sign_psbt(psbt: Psbt | str, keys: SigningKey | Sequence[SigningKey], *,
              network_name: str = "mainnet",
              allowed_sighash: frozenset[int] = DEFAULT_ALLOWED_SIGHASH,
              own_public_keys: Sequence[bytes] = (),
              rng: Callable[[int], bytearray] = random_bytes) -> PsbtSignature:
    """Sign every input the keys can sign, on a copy; the caller's PSBT is left untouched.

    ``own_public_keys`` are further keys of the same wallet (e.g. its change key): outputs
    paying them are not counted as transfers.
    """
    network(network_name)
    signers = [keys] if isinstance(keys, SigningKey) else list(keys)
    if not signers:
        raise InvalidInput("at least one key is needed", field="keys")
    work = (Psbt.from_base64(psbt) if isinstance(psbt, str) else psbt).copy()
    spent = spent_outputs(work)
    hashes = taproot_hashes(work.tx, spent) if spent is not None else None
    signed: list[SignedInput] = []
    skipped: list[tuple[int, str]] = []
    plans: dict[int, InputPlan] = {}
    for index, entry in enumerate(work.inputs):
        if entry.is_final:
            skipped.append((index, "already finalized"))
            continue
        named = [k for k in signers if _names_key(entry, k)]
        try:
            plan = plan_input(work, index)
        except UnsupportedInput as error:
            if named or _visibly_pays(work, index, signers):
                raise
            skipped.append((index, error.message))
            continue
        plans[index] = plan
        mine = [k for k in signers if _pays_to(plan, entry, k, index)]
        for key in named:
            if key not in mine:
                raise InvalidInput(f"its derivation names key {key.public_key.hex()} but its "
                                   f"{plan.kind} script does not pay to it",
                                   field=f"psbt.inputs[{index}]")
        if not mine:
            skipped.append((index, "no key of this signer in its script"))
            continue
        hash_type = input_hash_type(entry, plan, allowed_sighash, index)
        digest = sighash(work.tx, index, plan, hash_type, spent, hashes)
        for key in mine:
            if plan.is_taproot:
                if entry.tap_key_sig is not None:
                    skipped.append((index, "already has a key-path signature"))
                    continue
                entry.tap_key_sig = _sign_taproot(key, digest, hash_type, entry.tap_merkle_root,
                                                  plan.output_key or b"", rng)
            else:
                if key.public_key in entry.partial_sigs:
                    skipped.append((index, f"already signed by {key.public_key.hex()}"))
                    continue
                entry.partial_sigs[key.public_key] = _sign_ecdsa(key, digest, hash_type)
            signed.append(SignedInput(index, plan.kind, key.public_key.hex(), hash_type,
                                      digest.hex(), plan.spent.value))
    if not signed:
        reasons = "; ".join(f"input {i}: {r}" for i, r in skipped) or "it has no inputs"
        raise InvalidInput(f"no input can be signed with this key ({reasons})", field="psbt")
    facts = _facts(work, network_name, signers, own_public_keys,
                   [s.digest for s in signed], plans)
    return PsbtSignature(work, tuple(signed), tuple(skipped), facts)

