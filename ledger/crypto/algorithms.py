"""One view over both registries: every algorithm id a key can be created with.

Why: the ledger creates, seals, rotates and lists keys the same way whatever they are for,
so those paths need one lookup ("is this id known, which usages may it have, is it FIPS
approved, does it have a public key, how is its material generated") that does not care
whether the id is a signature scheme (:mod:`ledger.crypto.scheme`) or another key kind
(:mod:`ledger.crypto.kinds`). Operations that *use* a key still go to the registry of
their capability, which refuses mismatches with a precise message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ledger.crypto.key_kinds import all_kinds, get_kind, is_kind
from ledger.crypto.kinds import KeyKind as _KeyKind
from ledger.crypto.schemes import all_schemes, get_scheme
from ledger.crypto.threshold.group_keys import group_key_kind, is_group_key_kind
from ledger.errors import UnsupportedAlgorithm

__all__ = [
    "SIGNATURE_USAGES",
    "AlgorithmProfile",
    "MaterialMaker",
    "all_profiles",
    "material_maker",
    "profile",
    "public_key_pem",
]

SIGNATURE_USAGES = frozenset({"sign", "verify"})


class MaterialMaker(Protocol):
    """What :mod:`ledger.recipes.key_material` needs to mint any key version."""

    @property
    def seed_size(self) -> int: ...

    def generate(self, seed: bytes | bytearray, /) -> bytearray: ...

    def public_key(self, private_key: bytes | bytearray, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class AlgorithmProfile:
    """What ``skms algorithms`` shows and ``CreateKey`` checks, for any algorithm id."""

    algorithm: str
    family: str
    purpose: str  # "signature", "symmetric-encryption", "mac", "key-agreement", ...
    security_bits: int
    private_key_size: int
    public_key_size: int
    output_size: int | None  # signature size, MAC size or ciphertext overhead
    fips_approved: bool
    usages: frozenset[str]
    default_usage: tuple[str, ...]
    description: str
    seeded_keygen: bool = True  # generated from the health-tested seed (SchemeInfo)

    @property
    def has_public_key(self) -> bool:
        return self.public_key_size > 0


def _of_kind(kind: _KeyKind) -> AlgorithmProfile:
    info = kind.info
    return AlgorithmProfile(
        algorithm=info.kind_id, family=info.family, purpose=info.family,
        security_bits=info.security_bits, private_key_size=info.secret_size,
        public_key_size=info.public_key_size, output_size=info.output_size,
        fips_approved=info.fips_approved, usages=info.usages,
        default_usage=info.default_usage, description=info.operation)


def _of_group_key(algorithm: str) -> AlgorithmProfile:
    kind = group_key_kind(algorithm)
    return AlgorithmProfile(
        algorithm=kind.kind_id, family="threshold", purpose="threshold-signature",
        security_bits=kind.security_bits, private_key_size=0,
        public_key_size=kind.public_key_size, output_size=kind.signature_size,
        fips_approved=False, usages=SIGNATURE_USAGES, default_usage=("sign", "verify"),
        description=kind.description, seeded_keygen=False)


def profile(algorithm: str) -> AlgorithmProfile:
    """The profile of ``algorithm``, or ``UnsupportedAlgorithm`` naming every known id.

    A threshold group key's kind (``frost-ed25519``, ...) resolves too, with purpose
    ``threshold-signature`` and no private key: a ledger key of that kind is the group key
    of a finished DKG or deal (:mod:`ledger.crypto.threshold.group_keys`). It is not in
    :func:`all_profiles`, the algorithms a key can be created with."""
    if is_kind(algorithm):
        return _of_kind(get_kind(algorithm))
    if is_group_key_kind(algorithm):
        return _of_group_key(algorithm)
    try:
        scheme = get_scheme(algorithm)
    except UnsupportedAlgorithm:
        known = ", ".join(p.algorithm for p in all_profiles())
        raise UnsupportedAlgorithm(f"unknown algorithm {algorithm!r}", field="algorithm",
                                   hint=f"choose one of: {known}") from None
    info = scheme.info
    return AlgorithmProfile(
        algorithm=info.scheme_id, family=info.family, purpose="signature",
        security_bits=info.security_bits, private_key_size=info.private_key_size,
        public_key_size=info.public_key_size, output_size=info.signature_size,
        fips_approved=info.fips_approved, usages=SIGNATURE_USAGES,
        default_usage=("sign", "verify"), description=info.message_handling,
        seeded_keygen=info.seeded_keygen)


def all_profiles() -> list[AlgorithmProfile]:
    """Every algorithm a key can be created with, sorted by id."""
    found = [profile(s.scheme_id) for s in all_schemes()]
    found += [_of_kind(k) for k in all_kinds()]
    return sorted(found, key=lambda p: p.algorithm)


def material_maker(algorithm: str) -> MaterialMaker:
    """The object that generates a key version's material and public key."""
    if is_kind(algorithm):
        return get_kind(algorithm)
    return get_scheme(algorithm)


def public_key_pem(algorithm: str, public_key: bytes) -> str:
    """PEM SubjectPublicKeyInfo of a key version's public key, for any algorithm.

    Refuses symmetric keys (they have none) and kinds without a standard encoding with
    :class:`UnsupportedAlgorithm`, whose message says which case it is.
    """
    if is_kind(algorithm):
        return get_kind(algorithm).public_key_pem(public_key)
    if is_group_key_kind(algorithm):  # an Ed25519 / secp256k1 / BLS12-381 G1 point
        same_as = group_key_kind(algorithm).same_as or "ecdsa-secp256k1"
        return get_scheme(same_as).public_key_pem(public_key)
    return get_scheme(algorithm).public_key_pem(public_key)
