"""Every signature scheme SKMS has, by its stable id.

Why a module of its own: each scheme module registers itself with
:mod:`ledger.crypto.scheme` when imported; this module imports them all (each one's
library is a declared dependency: blspy, pqcrypto, pypqc, coincurve, pynacl,
cryptography) and answers lookups, so the interface module never imports its
implementations and no import is deferred to break a cycle.
"""

from __future__ import annotations

from ledger.crypto import (  # noqa: F401 (importing a scheme module registers it)
    bls12381_pop,
    ecdsa_p256,
    ecdsa_p384,
    ecdsa_p521,
    ecdsa_secp256k1,
    ed25519,
    falcon,
    hybrid_mldsa65_ed25519,
    ml_dsa,
    rsa_pkcs1v15,
    rsa_pss,
    schnorr_bip340,
    slh_dsa,
)
from ledger.crypto.scheme import REGISTERED, SignatureScheme
from ledger.errors import UnsupportedAlgorithm


def get_scheme(scheme_id: str) -> SignatureScheme:
    """The scheme with this id, or ``UnsupportedAlgorithm`` naming the known ids."""
    try:
        return REGISTERED[scheme_id]
    except KeyError:
        known = ", ".join(sorted(REGISTERED))
        raise UnsupportedAlgorithm(
            f"unknown algorithm {scheme_id!r}", field="algorithm", hint=f"choose one of: {known}"
        ) from None


def all_schemes() -> list[SignatureScheme]:
    """Every scheme, sorted by id."""
    return [REGISTERED[k] for k in sorted(REGISTERED)]
