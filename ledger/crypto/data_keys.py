"""Envelope encryption for callers: GenerateDataKey's recipe.

Why: managed keys should not encrypt gigabytes through the ledger (every call is a
recorded command). The standard answer is an envelope: the ledger mints a fresh 256-bit
data key, hands it out in clear *once* for the caller to encrypt bulk data locally, and
hands out the same key wrapped under the managed key. The caller stores the wrapped key
beside its data, throws the clear one away, and later asks the ledger to ``Decrypt`` the
wrapped key: every unwrap is a recorded, authorized event, and destroying the managed key
crypto-shreds every data key it ever wrapped.

The wrapped key is an ordinary ciphertext of the managed key's kind (AES-256-GCM, or HPKE
to an ML-KEM-768+X25519 key), bound to the caller's ``aad`` and naming the key version, so
``Decrypt`` opens it like any other ciphertext.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.crypto.entropy import random_bytes
from ledger.crypto.kinds import DataCipher, Rng
from ledger.crypto.memory import zeroize

__all__ = ["DATA_KEY_SIZE", "DataKey", "generate_data_key"]

DATA_KEY_SIZE = 32


@dataclass(frozen=True, slots=True, repr=False)
class DataKey:
    """A fresh data key: ``plaintext`` is the caller's to use once and wipe."""

    plaintext: bytearray
    wrapped: bytes

    def __repr__(self) -> str:
        # Never render the clear key, not even in a debugger's repr.
        return (f"DataKey(plaintext=<{len(self.plaintext)} bytes>, "
                f"wrapped=<{len(self.wrapped)} bytes>)")


def generate_data_key(cipher: DataCipher, secret: bytes | bytearray | None, public_key: bytes,
                      aad: bytes, *, key_version: int, rng: Rng = random_bytes) -> DataKey:
    """A new 32-byte data key and its wrapping under ``cipher``'s key version.

    The clear key comes from the health-tested CSPRNG; it is wiped here if wrapping fails,
    so a failure never leaves a live copy behind.
    """
    plaintext = rng(DATA_KEY_SIZE)
    try:
        wrapped = cipher.encrypt(secret, public_key, plaintext, aad, key_version=key_version,
                                 rng=rng)
    except BaseException:
        zeroize(plaintext)
        raise
    return DataKey(plaintext, wrapped)
