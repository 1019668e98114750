"""Commitment keys (kind ``pedersen-ristretto255``): the secret every blinding of a key's
Pedersen commitments is derived from.

Why a key: the ledger commits to values for its users (a balance, a limit, a counter) and
must later prove things about those commitments (range proofs), without ever
storing the values and without keeping one secret per commitment. So each key version
holds one 32-byte secret ``k``, sealed like all key material, and the blinding of the
commitment ``commitment_id`` made under that version is

    r = OS2IP_LE(HMAC-SHA-512(k, BLINDING_DST || commitment_id)) mod ℓ

(64 bytes reduced mod ℓ: bias below 2^-250). A commitment that is the sum of others has
the sum of their blindings. The key then behaves like every other key:

1. rotation gives new commitments a new secret; older commitments keep their version's;
2. destroying the key shreds every version's secret: its commitments stay binding but can
   never be opened or proved about again (crypto-shredding of the openings);
3. suspension, revocation, allowed actors and the audit trail apply as to any key.

Security: binding rests on discrete log in ristretto255 (about 126 bits). Hiding is
computational here (HMAC-SHA-512 as a PRF) instead of perfect as with fresh random
blindings: that is the price of keeping no per-commitment secret, and it stays far above
the binding level.
"""

from __future__ import annotations

import hashlib
import hmac

from ledger.crypto.kinds import KeyKind, KindInfo, register_kind
from ledger.crypto.memory import zeroize
from ledger.crypto.zk import native, pedersen
from ledger.errors import InvalidInput, UnsupportedAlgorithm

__all__ = ["BLINDING_DST", "COMMITMENT_KIND_ID", "KIND", "SECRET_SIZE", "CommitmentKind",
           "commitment_kind"]

COMMITMENT_KIND_ID = "pedersen-ristretto255"
SECRET_SIZE = 32
BLINDING_DST = b"SKMS-V1-PEDERSEN-BLINDING\0"


class CommitmentKind(KeyKind):
    """Pedersen commitments over ristretto255, with Bulletproofs range proofs about them."""

    info = KindInfo(
        kind_id=COMMITMENT_KIND_ID,
        family="commitment",
        security_bits=126,  # discrete log in ristretto255 (binding); hiding via HMAC-SHA-512
        secret_size=SECRET_SIZE,
        public_key_size=0,  # nothing public: the generators are global (pedersen.generators)
        output_size=pedersen.COMMITMENT_SIZE,
        fips_approved=False,
        usages=frozenset({"commit"}),
        default_usage=("commit",),
        operation="Pedersen commitments over ristretto255 (blindings derived from the key) "
                  "and Bulletproofs range proofs about them",
    )

    @property
    def seed_size(self) -> int:
        return SECRET_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """The secret is the seed: uniformly random bytes are the ideal HMAC key."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != SECRET_SIZE:
            raise InvalidInput(f"commitment keys need a {SECRET_SIZE}-byte seed", field="seed")
        return bytearray(seed)

    def public_key(self, secret: bytes | bytearray) -> bytes:
        return b""

    def blinding(self, secret: bytes | bytearray, commitment_id: str) -> bytearray:
        """The blinding of one commitment made under this secret (a buffer to wipe)."""
        if not isinstance(secret, bytes | bytearray) or len(secret) != SECRET_SIZE:
            raise InvalidInput(f"a commitment key secret is {SECRET_SIZE} bytes", field="key")
        if not isinstance(commitment_id, str) or not 0 < len(commitment_id) <= 100:
            raise InvalidInput("a commitment id is 1 to 100 characters",
                               field="commitment_id")
        wide = bytearray(hmac.new(bytes(secret), BLINDING_DST + commitment_id.encode(),
                                  hashlib.sha512).digest())
        try:
            return native.returns_bytearray("scalar_from_wide", wide)
        finally:
            zeroize(wide)


KIND = register_kind(CommitmentKind())


def commitment_kind(algorithm: str) -> CommitmentKind:
    """The commitment kind, if ``algorithm`` is it; a clear refusal otherwise."""
    if algorithm != COMMITMENT_KIND_ID:
        raise UnsupportedAlgorithm(f"{algorithm} keys cannot make commitments",
                                   field="algorithm",
                                   hint=f"create a {COMMITMENT_KIND_ID} key for commitments")
    return KIND
