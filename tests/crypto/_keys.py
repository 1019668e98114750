"""Key pairs and signatures made once per test session (the ``keys`` fixture).

Why a cache: RSA-4096 key generation takes seconds and SLH-DSA signing up to a second;
the property tests need one key pair, a second key of the same scheme and one signature per
scheme, and every test file can share them. RSA-PSS and RSA-PKCS#1 v1.5 keys have the same
format, so the two schemes of one modulus size share their keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.scheme import SignatureScheme
from ledger.crypto.schemes import get_scheme

MESSAGE = b"append event 42 to chain main"


@dataclass(frozen=True)
class Signed:
    scheme: SignatureScheme
    private_key: bytearray
    public_key: bytes
    other_public_key: bytes
    message: bytes
    signature: bytes


def new_keypair(scheme: SignatureScheme) -> tuple[bytearray, bytes]:
    seed = random_bytes(scheme.seed_size)
    try:
        private_key = scheme.generate(seed)
    finally:
        zeroize(seed)
    return private_key, scheme.public_key(private_key)


def _key_family(scheme_id: str) -> str:
    """Schemes whose keys are interchangeable share one cache entry."""
    for prefix in ("rsa-pss-", "rsa-pkcs1v15-"):
        if scheme_id.startswith(prefix):
            return "rsa-" + scheme_id.removeprefix(prefix)
    return scheme_id


class KeyCache:
    def __init__(self) -> None:
        self._keys: dict[tuple[str, int], tuple[bytearray, bytes]] = {}
        self._signed: dict[str, Signed] = {}

    def keypair(self, scheme_id: str, index: int = 0) -> tuple[bytearray, bytes]:
        slot = (_key_family(scheme_id), index)
        if slot not in self._keys:
            self._keys[slot] = new_keypair(get_scheme(scheme_id))
        return self._keys[slot]

    def signed(self, scheme_id: str) -> Signed:
        if scheme_id not in self._signed:
            scheme = get_scheme(scheme_id)
            private_key, public_key = self.keypair(scheme_id)
            _, other_public_key = self.keypair(scheme_id, 1)
            signature = scheme.sign(private_key, MESSAGE)
            self._signed[scheme_id] = Signed(
                scheme, private_key, public_key, other_public_key, MESSAGE, signature
            )
        return self._signed[scheme_id]

    def wipe(self) -> None:
        for private_key, _ in self._keys.values():
            zeroize(private_key)
