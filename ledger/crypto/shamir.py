"""Shamir secret sharing: byte-wise over GF(2^8), and Feldman-verifiable over secp256k1.

Hazardous-materials layer. Recipes (:mod:`ledger.crypto.secret_sharing`) decide formats,
contexts and what the ledger records; this module only does the arithmetic.

Two schemes, because each answers a different need:

* **GF(2^8), byte-wise** (:func:`split_bytes`, :func:`combine_bytes`): any secret, any
  length, each byte shared with its own random polynomial over the AES field
  (x^8 + x^4 + x^3 + x + 1), as SLIP-39 does. Shares cannot be verified: a wrong share
  silently yields a wrong secret.
* **Feldman VSS over the secp256k1 scalar field** (:func:`feldman_split`,
  :func:`feldman_combine`): one scalar shared with a polynomial whose coefficients are
  committed as points ``a_j·G``. Anyone holding the commitments checks a share
  ``s_i`` by ``s_i·G == Σ C_j·i^j`` and so names a corrupted share by index. Feldman
  needs the secret to be a scalar, which is why the recipe shares a random key this way
  and encrypts the real secret under it.

Coefficients come from :func:`ledger.crypto.entropy.random_bytes` (health-tested OS
randomness); ``rng`` is a parameter only so tests can replay.

Limits, stated honestly: GF(2^8) arithmetic uses log/exp tables indexed by secret bytes
and Python integers are not constant-time; both are fine for backup ceremonies run
locally, not for an oracle an attacker can time. Python ``int`` scalars cannot be wiped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coincurve import PublicKey

from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput

__all__ = [
    "MAX_SHARES",
    "ByteShare",
    "InsufficientShares",
    "InvalidShare",
    "ScalarShare",
    "combine_bytes",
    "feldman_combine",
    "feldman_split",
    "feldman_verify",
    "interpolate_bytes",
    "random_scalar",
    "split_bytes",
]

Rng = Callable[[int], bytearray]

MAX_SHARES = 255
"""Share indexes are the non-zero elements of GF(2^8) (and small scalars for Feldman)."""


class InvalidShare(InvalidInput):
    """One or more shares fail verification; ``indexes`` names them (1-based)."""

    def __init__(self, indexes: Sequence[int], message: str = "") -> None:
        self.indexes = sorted(indexes)
        listed = ", ".join(map(str, self.indexes))
        super().__init__(message or f"share(s) {listed} do not match the commitments",
                         field="shares",
                         hint="leave the corrupted share(s) out and present others")


class InsufficientShares(InvalidInput):
    """Fewer valid, distinct shares than the threshold were presented."""

    def __init__(self, have: int, need: int) -> None:
        super().__init__(f"{have} valid share(s) presented, {need} needed", field="shares")
        self.have, self.need = have, need


def _check_counts(threshold: int, count: int) -> None:
    for name, value in (("threshold", threshold), ("share_count", count)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInput("must be a whole number", field=name)
    if not 1 <= threshold <= count <= MAX_SHARES:
        raise InvalidInput(f"need 1 <= threshold <= shares <= {MAX_SHARES}", field="threshold")


# --- GF(2^8) ---------------------------------------------------------------------------------

def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 510
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        doubled = (value << 1) ^ (0x11B if value & 0x80 else 0)
        value = doubled ^ value  # multiply by the generator 0x03
    for power in range(255, 510):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _tables()


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if a == 0:
        return 0
    return _EXP[_LOG[a] + 255 - _LOG[b]]


@dataclass(frozen=True, slots=True, repr=False)
class ByteShare:
    """Share ``index`` (1..255) of a byte-wise split; ``value`` is secret (wipe it)."""

    index: int
    value: bytearray

    def __repr__(self) -> str:
        return f"ByteShare(index={self.index}, <{len(self.value)} bytes>)"


def split_bytes(secret: bytes | bytearray, threshold: int, count: int, *,
                rng: Rng = random_bytes) -> list[ByteShare]:
    """Split ``secret`` into ``count`` shares, any ``threshold`` of which rebuild it."""
    _check_counts(threshold, count)
    if not isinstance(secret, bytes | bytearray) or not secret:
        raise InvalidInput("the secret must be non-empty bytes", field="secret")
    size = len(secret)
    coefficients = rng((threshold - 1) * size)
    try:
        shares = []
        for x in range(1, count + 1):
            value = bytearray(size)
            for position in range(size):
                acc = 0
                # Horner from the highest coefficient down to the secret byte (a_0).
                for degree in range(threshold - 1, 0, -1):
                    acc = _mul(acc, x) ^ coefficients[(degree - 1) * size + position]
                value[position] = _mul(acc, x) ^ secret[position]
            shares.append(ByteShare(x, value))
        return shares
    finally:
        zeroize(coefficients)


def interpolate_bytes(shares: Sequence[ByteShare], x: int) -> bytearray:
    """The shared polynomials' values at ``x`` (0 gives the secret), by Lagrange."""
    if not shares:
        raise InsufficientShares(0, 1)
    indexes = [share.index for share in shares]
    if len(set(indexes)) != len(indexes):
        raise InvalidInput("share indexes must be distinct", field="shares")
    if not all(isinstance(i, int) and 1 <= i <= MAX_SHARES for i in indexes):
        raise InvalidInput("share indexes are 1 to 255", field="shares")
    size = len(shares[0].value)
    if any(len(share.value) != size for share in shares):
        raise InvalidInput("shares have different lengths", field="shares")
    for share in shares:
        if share.index == x:
            return bytearray(share.value)
    result = bytearray(size)
    for share in shares:
        basis = 1
        for other in indexes:
            if other != share.index:
                basis = _mul(basis, _div(x ^ other, share.index ^ other))
        for position in range(size):
            result[position] ^= _mul(basis, share.value[position])
    return result


def combine_bytes(shares: Sequence[ByteShare]) -> bytearray:
    """Rebuild the secret from at least ``threshold`` shares (fewer give noise, not errors)."""
    return interpolate_bytes(shares, 0)


# --- Feldman VSS over the secp256k1 scalar field ---------------------------------------------

@dataclass(frozen=True, slots=True, repr=False)
class ScalarShare:
    """Share ``index`` of a Feldman split: ``value`` = f(index) mod n (secret)."""

    index: int
    value: int

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(32, "big")

    def __repr__(self) -> str:
        return f"ScalarShare(index={self.index})"


def random_scalar(rng: Rng = random_bytes) -> int:
    """A uniform scalar in [1, n-1] by rejection sampling (no modular bias)."""
    while True:
        raw = rng(32)
        value = int.from_bytes(raw, "big")
        zeroize(raw)
        if 1 <= value < SECP256K1_ORDER:
            return value


def _point(scalar: int) -> PublicKey:
    return PublicKey.from_secret(scalar.to_bytes(32, "big"))


def feldman_split(secret: int, threshold: int, count: int, *,
                  rng: Rng = random_bytes) -> tuple[list[ScalarShare], tuple[bytes, ...]]:
    """Shares of ``secret`` and the commitments (compressed points ``a_j·G``, j < threshold)."""
    _check_counts(threshold, count)
    if not 1 <= secret < SECP256K1_ORDER:
        raise InvalidInput("the secret must be a scalar in [1, n-1]", field="secret")
    while True:
        coefficients = [secret] + [random_scalar(rng) for _ in range(threshold - 1)]
        shares = []
        for x in range(1, count + 1):
            acc = 0
            for coefficient in reversed(coefficients):
                acc = (acc * x + coefficient) % SECP256K1_ORDER
            shares.append(ScalarShare(x, acc))
        # A zero share has no point to check against (probability ~count/2^256): redraw.
        if all(share.value for share in shares):
            break
    commitments = tuple(_point(c).format(compressed=True) for c in coefficients)
    return shares, commitments


def _share_matches(share: ScalarShare, commitments: Sequence[bytes]) -> bool:
    if not 1 <= share.value < SECP256K1_ORDER or not 1 <= share.index <= MAX_SHARES:
        return False
    try:
        terms = [PublicKey(point).multiply(pow(share.index, power, SECP256K1_ORDER)
                                           .to_bytes(32, "big"))
                 for power, point in enumerate(commitments)]
        expected = terms[0] if len(terms) == 1 else PublicKey.combine_keys(terms)
        return bool(expected.format(compressed=True)
                    == _point(share.value).format(compressed=True))
    except Exception:  # malformed point or sum at infinity: the share cannot be right
        return False


def feldman_verify(share: ScalarShare, commitments: Sequence[bytes]) -> None:
    """Raise :class:`InvalidShare` naming the share unless it lies on the committed polynomial."""
    if not commitments:
        raise InvalidInput("no commitments", field="commitments")
    if not _share_matches(share, commitments):
        raise InvalidShare([share.index])


def feldman_combine(shares: Sequence[ScalarShare], commitments: Sequence[bytes]) -> int:
    """Verify every share, then rebuild the secret from the first ``threshold`` of them.

    The threshold is ``len(commitments)``. Every bad share is named at once, so a
    custodian whose share was corrupted can be told which one it was.
    """
    if not commitments:
        raise InvalidInput("no commitments", field="commitments")
    indexes = [share.index for share in shares]
    if len(set(indexes)) != len(indexes):
        raise InvalidInput("share indexes must be distinct", field="shares")
    bad = [share.index for share in shares if not _share_matches(share, commitments)]
    if bad:
        raise InvalidShare(bad)
    threshold = len(commitments)
    if len(shares) < threshold:
        raise InsufficientShares(len(shares), threshold)
    chosen = list(shares)[:threshold]
    secret = 0
    for share in chosen:
        numerator, denominator = 1, 1
        for other in chosen:
            if other.index != share.index:
                numerator = numerator * other.index % SECP256K1_ORDER
                denominator = denominator * (other.index - share.index) % SECP256K1_ORDER
        basis = numerator * pow(denominator, -1, SECP256K1_ORDER) % SECP256K1_ORDER
        secret = (secret + share.value * basis) % SECP256K1_ORDER
    if secret == 0 or _point(secret).format(compressed=True) != commitments[0]:
        raise InvalidShare(indexes, "the shares do not rebuild the committed secret")
    return secret
