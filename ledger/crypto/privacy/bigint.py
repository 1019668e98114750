"""Big-integer arithmetic for RSA blind signing and Paillier, on Python's own integers.

Why no GMP binding: gmpy2 (the one maintained binding with a constant-time exponentiation,
``mpz_powm_sec``) is LGPL-3.0-or-later and bundles GMP; python-paillier (``phe``) is
GPL-3.0. SKMS is Apache-2.0 and keeps its runtime closure permissive, so this module uses
CPython's integers and protects the secret exponentiations the standard software way
instead (docs/privacy.md, "Big integers", records the decision and the measured cost).

CPython's ``pow`` is a sliding-window exponentiation whose time and memory accesses follow
the exponent's bits. So a secret exponent never reaches it as is:

1. :func:`powmod_secret_exponent` adds a fresh random multiple of the group order to the
   exponent for every call (exponent blinding, Kocher 1996): ``x^(e + k*order) = x^e``,
   and the bits ``pow`` walks are those of ``e + k*order`` with a new 64-bit ``k`` each
   time, so repeated timings do not accumulate information about ``e``.
2. Callers also blind the *base* where the protocol allows it (RSA: ``m * r^e``; Paillier:
   a re-randomised ciphertext), so the value exponentiated is random and not chosen by
   whoever asks.
3. :func:`powmod` is for public exponents only (RSA ``e``, Paillier ``n``).

Not constant time, stated plainly: every other operation on Python integers here
(multiplication, reduction, the inversions, conversions). The blinding makes the values
those steps see random and independent of the caller's input; it does not make them
constant time. An HSM's raw RSA (``CKM_RSA_X_509``) can replace blind signing unchanged.
"""

from __future__ import annotations

import math

from ledger.crypto.entropy import random_bytes
from ledger.errors import CryptoError

__all__ = ["BLINDING_BITS", "gcd", "invert", "powmod", "powmod_secret_exponent"]

BLINDING_BITS = 64
"""Size of the random multiple of the group order added to secret exponents."""


def powmod(base: int, exponent: int, modulus: int) -> int:
    """``base ** exponent mod modulus`` for a *public* exponent."""
    return pow(base, exponent, modulus)


def powmod_secret_exponent(base: int, exponent: int, modulus: int, order: int) -> int:
    """``base ** exponent mod modulus`` for a secret ``exponent``, exponent-blinded.

    ``order`` must be a multiple of the order of ``base`` in the group modulo ``modulus``
    (``p - 1`` modulo a prime ``p``; ``p (p - 1)`` modulo ``p^2``).
    """
    if exponent <= 0 or order <= 0 or modulus <= 2:
        raise CryptoError("secret exponentiation needs a positive exponent and order")
    k = int.from_bytes(random_bytes(BLINDING_BITS // 8), "big") | 1 << (BLINDING_BITS - 1)
    return pow(base, exponent + k * order, modulus)


def invert(value: int, modulus: int) -> int:
    """``value ** -1 mod modulus``; :class:`CryptoError` if it does not exist."""
    try:
        return pow(value, -1, modulus)
    except ValueError:
        raise CryptoError("value has no inverse modulo the modulus") from None


def gcd(left: int, right: int) -> int:
    return math.gcd(left, right)
