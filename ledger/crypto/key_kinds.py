"""Every non-signature key kind SKMS has (data encryption, MACs, key agreement), by id.

Why a module of its own: as :mod:`ledger.crypto.schemes` does for signature schemes, it
imports every kind module (each registers itself with :mod:`ledger.crypto.kinds`) and
answers lookups, so the interface module never imports its implementations.
"""

from __future__ import annotations

from typing import cast

from ledger.crypto import (  # noqa: F401 (importing a kind module registers it)
    aes256_gcm,
    ecdh_p256,
    hmac_sha256,
    mlkem768_x25519,
    x25519_ecdh,
)
from ledger.crypto.kinds import REGISTERED, AgreementKind, DataCipher, KeyKind, MacKind
from ledger.crypto.privacy.kinds import BlindSigningKind, HomomorphicKind
from ledger.crypto.zk import circuit_key, commitment_key  # noqa: F401 (registers them)
from ledger.errors import UnsupportedAlgorithm


def is_kind(kind_id: str) -> bool:
    """Whether ``kind_id`` names a registered non-signature kind."""
    return kind_id in REGISTERED


def get_kind(kind_id: str) -> KeyKind:
    """The kind with this id, or ``UnsupportedAlgorithm`` naming the known ids."""
    kind = REGISTERED.get(kind_id)
    if kind is None:
        known = ", ".join(sorted(REGISTERED))
        raise UnsupportedAlgorithm(f"unknown key kind {kind_id!r}", field="algorithm",
                                   hint=f"choose one of: {known}")
    return kind


def _with_capability(kind_id: str, capability: type, what: str) -> KeyKind:
    # Asking for the capability here (rather than ``isinstance`` at each caller) gives one
    # clear refusal, e.g. "hmac-sha256 keys cannot encrypt", wherever the mismatch happens.
    kind = get_kind(kind_id)
    if not isinstance(kind, capability):
        raise UnsupportedAlgorithm(f"{kind_id} keys cannot {what}", field="algorithm",
                                   hint=f"a {kind_id} key is for: {kind.info.operation}")
    return kind


def get_cipher(kind_id: str) -> DataCipher:
    """The kind, if it encrypts data; else ``UnsupportedAlgorithm``."""
    return cast(DataCipher, _with_capability(kind_id, DataCipher, "encrypt or decrypt"))


def get_mac(kind_id: str) -> MacKind:
    """The kind, if it computes MACs; else ``UnsupportedAlgorithm``."""
    return cast(MacKind, _with_capability(kind_id, MacKind, "compute MACs"))


def get_agreement(kind_id: str) -> AgreementKind:
    """The kind, if it does key agreement; else ``UnsupportedAlgorithm``."""
    return cast(AgreementKind, _with_capability(kind_id, AgreementKind, "derive shared keys"))


def get_blind_signer(kind_id: str) -> BlindSigningKind:
    """The kind, if it blind-signs (RFC 9474); else ``UnsupportedAlgorithm``."""
    return cast(BlindSigningKind, _with_capability(kind_id, BlindSigningKind,
                                                   "blind-sign (RFC 9474)"))


def get_homomorphic(kind_id: str) -> HomomorphicKind:
    """The kind, if it is homomorphic encryption (Paillier); else ``UnsupportedAlgorithm``."""
    return cast(HomomorphicKind, _with_capability(kind_id, HomomorphicKind,
                                                  "compute on ciphertexts (Paillier)"))


def all_kinds() -> list[KeyKind]:
    """Every registered kind, sorted by id."""
    return [REGISTERED[k] for k in sorted(REGISTERED)]
